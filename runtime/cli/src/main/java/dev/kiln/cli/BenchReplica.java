package dev.kiln.cli;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.runtime.parallel.DataParallel;
import dev.kiln.runtime.parallel.Replicas;
import dev.kiln.runtime.parallel.ShardedOptimizer;
import dev.kiln.runtime.parallel.SharedMemoryCollective;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One of {@code kiln bench --replicas}' data-parallel replicas: its rows of each batch, the sum of the gradients over
 * the replicas (in place, as the trainer's replicas sum them), and the decisions rank 0 takes for all (the warm-up's
 * end turns on the JIT's activity, which each JVM thread sees differently).
 */
record BenchReplica(int rank, int world, SharedMemoryCollective collective) {
    /**
     * Measures shape on {@code world} replicas of {@code threads / world} cpu-backend threads each (backend settings
     * {@code backendConfig} besides the threads); rank 0's progress goes to {@code progress}. Returns rank 0's result.
     */
    static Map<String, Object> run(int world, int threads, Map<String, Object> backendConfig, BenchShape shape,
                                   BenchRunner.Settings settings, PrintWriter progress) throws Exception {
        if (threads % world != 0)
            throw new IllegalArgumentException("--replicas " + world + " must divide the " + threads + " threads (each replica gets as many)");
        if (shape.batch() % world != 0)
            throw new IllegalArgumentException("--replicas " + world + " must divide " + shape.name() + "'s batch of " + shape.batch() + " rows");
        PrintWriter silent = new PrintWriter(OutputStream.nullOutputStream());
        List<Map<String, Object>> byRank = Replicas.run(world, (rank, w) -> {
            Map<String, Object> config = new LinkedHashMap<>(backendConfig);
            config.put("threads", threads / world);
            try (Backend backend = new CpuBackendProvider().create(new Config("backend", config))) {
                BenchReplica replica = new BenchReplica(rank, w, (SharedMemoryCollective) DataParallel.current().collective());
                return new BenchRunner(backend, settings, rank == 0 ? progress : silent, rank == 0 && Terminal.isInteractive(), replica)
                        .run(shape);
            }
        });
        return byRank.get(0);
    }

    /** The replica's rows of a [B, T] batch: rows rank·B/world up to (rank + 1)·B/world; B must split evenly. */
    int[] rows(int[] batch, int seq) {
        int per = batch.length / seq / world;
        return Arrays.copyOfRange(batch, rank * per * seq, (rank + 1) * per * seq);
    }

    /** Whether this phase's step i is warm-up: rank 0's rule decides, and the other replicas follow it. */
    boolean warming(WarmupProgress warmup, int i) {
        float[] vote = {rank == 0 && warmup.warming(i) ? 1 : 0};
        collective.allReduceSum(vote);
        boolean warming = vote[0] > 0;
        if (rank != 0) warmup.follow(warming);
        return warming;
    }

    /** The replicas' optimizer: each updates its share of the parameters and holds its share of the state (ZeRO-1). */
    ShardedOptimizer optimizer(List<ParamGroup> groups, Function<List<ParamGroup>, Optimizer> optimizer) {
        return new ShardedOptimizer(groups, collective, optimizer);
    }

    /**
     * Sums every parameter's gradient over the replicas into the replica that updates it ({@code optimizer}'s owner),
     * and {@code loss} (this replica's share of the step's mean loss) into all; returns the summed loss.
     */
    double sum(List<Tensor> params, double loss, ShardedOptimizer optimizer) {
        float[] share = {(float) loss};
        if (!collective.sumGradients(params, share, optimizer::ownerOf))
            throw new IllegalStateException("replicas need host-memory gradients (the cpu backend)");
        return share[0];
    }

    /** Waits for every replica (the end of a forward pass is the slowest replica's). */
    void await() { collective.allReduceSum(new float[1]); }
}
