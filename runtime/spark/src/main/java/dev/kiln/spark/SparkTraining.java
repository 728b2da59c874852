package dev.kiln.spark;

import com.google.inject.Injector;
import dev.kiln.api.backend.Backend;
import dev.kiln.runtime.guice.Kiln;
import dev.kiln.runtime.guice.KilnOptions;
import dev.kiln.runtime.parallel.DataParallel;
import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.plugin.PluginRegistry;
import dev.kiln.runtime.train.TrainingListener;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kiln pretrain} / {@code kiln finetune} of a pipeline config on Spark workers: every barrier task
 * wires its own Kiln (backend, plugins from the given folders) and runs the same pipeline with its
 * {@link DataParallel} current, so the trainer shards the global batch ({@code train.batch_size}) over
 * the workers and sums gradients over the ring. Rank 0 writes the run directory (metrics, checkpoints,
 * model, report), which must be on a file system every worker sees; the others resume from its
 * checkpoints when Spark reruns the stage. Unless the request names another backend, each worker runs the
 * cpu backend with its task's cores ({@code spark.task.cpus}) as threads.
 */
public final class SparkTraining {
    private SparkTraining() {}

    /** What the workers run: plain values only, so Spark can ship it. */
    public record Request(String command, Map<String, Object> config, String configDir, String outDir, List<String> pluginPath,
                          String backend) implements Serializable {
        public Request {
            if (!command.equals("pretrain") && !command.equals("finetune"))
                throw new IllegalArgumentException("command must be pretrain or finetune, got " + command);
        }
    }

    /** One worker's account: steps, wall time, and its all-reduce share. */
    public record WorkerSummary(int rank, long steps, double seconds, double allReduceSeconds, long bytesReduced) implements Serializable {}

    public static List<WorkerSummary> run(JavaSparkContext sc, int workers, Request request) {
        if (sc.isLocal()) checkPaths(request, "the driver");   // in local mode the workers see this machine: fail before Spark retries
        return SparkDataParallel.run(sc, workers, (rank, world) -> train(request, rank), 600_000);
    }

    /** The plugin folders and the config's folder, as this machine sees them; an error names who is missing what. */
    static List<Path> checkPaths(Request r, String who) {
        List<Path> plugins = new ArrayList<>();
        for (String p : r.pluginPath()) {
            Path dir = Path.of(p);
            if (!Files.isDirectory(dir))
                throw new IllegalArgumentException(who + ": plugin folder " + dir + " does not exist on this machine"
                        + " (every worker needs the plugin jars at the same path, e.g. on a shared file system)");
            plugins.add(dir);
        }
        if (!Files.isDirectory(Path.of(r.configDir())))
            throw new IllegalArgumentException(who + ": the config's folder " + r.configDir() + " is not on this machine;"
                    + " the data the config names must be readable by every worker at the same path");
        return plugins;
    }

    static WorkerSummary train(Request r, int rank) throws Exception {
        List<Path> plugins = checkPaths(r, "worker " + rank);
        Path configDir = Path.of(r.configDir());
        KilnOptions options = KilnOptions.defaults().withPluginPath(plugins).withHostClassLoader(SparkTraining.class.getClassLoader());
        if (r.backend() == null || r.backend().equals("cpu")) {
            // the cpu backend with the task's cores (spark.task.cpus), not all the machine's: workers sharing an executor
            // machine would otherwise each start a thread per core
            TaskContext task = TaskContext.get();   // null on the driver (a plain run)
            int cpus = task == null ? 1 : Math.max(1, task.cpus());
            options = options.withBackendFlag("cpu").withBackendConfig(Map.of("threads", cpus));
        } else {
            options = options.withBackendFlag(r.backend());
        }
        try (PluginRegistry registry = Kiln.discover(options)) {
            Injector injector = Kiln.injector(options, registry);
            try (Backend backend = injector.getInstance(Backend.class)) {
                Pipeline pipeline = injector.getInstance(Pipeline.class);
                long t0 = System.nanoTime();
                Map<String, Object> config = new LinkedHashMap<>(r.config());
                PipelineResult result = r.command().equals("pretrain")
                        ? pipeline.pretrain(config, configDir, Path.of(r.outDir()), TrainingListener.NONE)
                        : pipeline.finetune(config, configDir, Path.of(r.outDir()), TrainingListener.NONE);
                DataParallel dp = DataParallel.current();
                return new WorkerSummary(rank, result.steps(), (System.nanoTime() - t0) / 1e9,
                        dp == null ? 0 : dp.nanosReducing() / 1e9, dp == null ? 0 : dp.bytesReduced());
            }
        }
    }
}
