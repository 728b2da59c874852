package dev.kiln.cli;

import dev.kiln.api.config.ConfigException;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.runtime.parallel.Replicas;
import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.train.TrainingListener;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kiln pretrain|finetune --replicas R}: R data-parallel replicas in this JVM, each a whole pipeline (its own
 * cpu backend of cores / R threads, its own model) on B / R rows of every global batch, gradients summed in shared
 * memory ({@link Replicas}). Replica 0 runs on the calling thread in the command's session and writes the run
 * directory, as worker 0 does on Spark; the others open sessions of their own.
 */
final class ReplicatedTraining {
    private ReplicatedTraining() {}

    /** One replica's pipeline run. */
    @FunctionalInterface
    interface Run {
        PipelineResult run(Pipeline pipeline, Map<String, Object> config, TrainingListener listener) throws Exception;
    }

    /** The cpu backend's threads for each of {@code replicas} replicas on this machine's cores (at least 1). */
    static int threadsPerReplica(int replicas) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / replicas);
    }

    /** Fails unless replica 0's session (opened with {@link #threadsPerReplica} threads) has the cpu backend. */
    static void checkBackend(Session session) {
        String other;
        try {
            if (session.backend() instanceof CpuBackend) return;
            other = "the backend is '" + session.backend().name() + "'";
        } catch (ConfigException e) {   // a backend without 'threads'
            other = e.getMessage();
        }
        throw new IllegalArgumentException("--replicas runs cpu-backend replicas in this JVM, each with its share of the cores as"
                + " 'threads'; " + other + " (for several machines see --spark)");
    }

    /** Runs {@code replicas} replicas; {@code session} is replica 0's, {@link #checkBackend checked}. */
    static PipelineResult train(int replicas, KilnCli root, String configBackend, Session session, Map<String, Object> config,
                                TrainingListener listener, Run run) throws Exception {
        Map<String, Object> backendConfig = Map.of("threads", threadsPerReplica(replicas));
        List<PipelineResult> results = Replicas.run(replicas, (rank, world) -> {
            Map<String, Object> own = deepCopy(config);   // a pipeline may fill in defaults: no replica sees another's
            if (rank == 0) return run.run(session.get(Pipeline.class), own, listener);
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());   // replica 0 has said it all
            try (Session s = Session.open(root, configBackend, backendConfig, quiet)) {
                return run.run(s.get(Pipeline.class), own, TrainingListener.NONE);
            }
        });
        return results.get(0);
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) out.put(e.getKey(), deepCopy(e.getValue()));
            return (T) out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) out.add(deepCopy(o));
            return (T) out;
        }
        return value;
    }
}
