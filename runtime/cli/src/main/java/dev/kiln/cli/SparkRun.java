package dev.kiln.cli;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code --spark}: hands the run to runtime/spark's {@code dev.kiln.spark.SparkCli}, found by reflection
 * because the core distribution carries no Spark (./kiln puts runtime/spark's jars on the class path
 * when the arguments name {@code --spark}).
 */
final class SparkRun {
    static final String ENTRY = "dev.kiln.spark.SparkCli";

    private SparkRun() {}

    static int train(String master, int workers, String command, Map<String, Object> cfg, Path configDir, Path outDir,
                     List<Path> plugins, String backend, PrintWriter out, PrintWriter err) {
        if (workers < 1) throw new IllegalArgumentException("--workers must be at least 1, got " + workers);
        Method train;
        try {
            train = Class.forName(ENTRY).getMethod("train", String.class, int.class, String.class, Map.class, Path.class, Path.class,
                    List.class, String.class);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new IllegalArgumentException("--spark needs Kiln's Spark module (runtime/spark) and Spark's jars on the class path;"
                    + " ./kiln adds runtime/spark/target/spark-lib when it sees --spark (build it with: mvn -B -DskipTests install)", e);
        }
        err.println("kiln " + command + ": " + workers + " Spark workers on " + master + " → " + outDir);
        err.flush();
        try {
            @SuppressWarnings("unchecked")
            List<String> lines = (List<String>) train.invoke(null, master, workers, command, cfg, configDir, outDir, plugins, backend);
            for (String line : lines) out.println(line);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        out.println("model, metrics and report in " + outDir + " (written by worker 0)");
        out.flush();
        return 0;
    }
}
