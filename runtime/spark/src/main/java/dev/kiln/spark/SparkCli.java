package dev.kiln.spark;

import dev.kiln.runtime.config.PipelineConfigLoader;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Entry points: {@code kiln pretrain|finetune --spark MASTER --workers N} calls {@link #train} (by
 * reflection: the core distribution has no Spark), and {@code spark-submit --class dev.kiln.spark.SparkCli}
 * runs {@link #main}:
 * <pre>
 *   spark-submit --class dev.kiln.spark.SparkCli kiln-spark.jar pretrain CONFIG OUT WORKERS [PLUGIN_DIR...]
 * </pre>
 * with Kiln's and Spark's jars on the class path (runtime/spark/target/spark-lib). The run directory
 * and the config's data must be at the same path on every worker.
 */
public final class SparkCli {
    private SparkCli() {}

    /** Trains on Spark; returns the lines to print (one per worker). With master null, the session's own (spark-submit). */
    public static List<String> train(String master, int workers, String command, Map<String, Object> config, Path configDir,
                                     Path outDir, List<Path> pluginPath, String backend) {
        SparkConf conf = new SparkConf().setAppName("kiln " + command + " " + outDir.getFileName());
        if (master != null) conf.setMaster(master);
        if (!conf.contains("spark.ui.enabled")) conf.set("spark.ui.enabled", "false");
        List<String> plugins = new ArrayList<>();
        for (Path p : pluginPath) plugins.add(p.toAbsolutePath().toString());
        SparkTraining.Request request = new SparkTraining.Request(command, config, configDir.toAbsolutePath().toString(),
                outDir.toAbsolutePath().toString(), plugins, backend);
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            List<String> lines = new ArrayList<>();
            for (SparkTraining.WorkerSummary w : SparkTraining.run(sc, workers, request)) {
                lines.add(String.format("worker %d: %d steps in %.1f s, all-reduce %.2f s (%.1f MB reduced)", w.rank(), w.steps(),
                        w.seconds(), w.allReduceSeconds(), w.bytesReduced() / 1e6));
            }
            return lines;
        }
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: SparkCli pretrain|finetune CONFIG OUT WORKERS [PLUGIN_DIR...]");
            System.exit(2);
        }
        Path config = Path.of(args[1]);
        List<Path> plugins = new ArrayList<>();
        for (int i = 4; i < args.length; i++) plugins.add(Path.of(args[i]));
        Map<String, Object> cfg = PipelineConfigLoader.load(config);
        Object backend = cfg.get("backend");
        for (String line : train(null, Integer.parseInt(args[3]), args[0], cfg, config.toAbsolutePath().getParent(), Path.of(args[2]),
                plugins, backend == null ? null : backend.toString()))
            System.out.println(line);
    }
}
