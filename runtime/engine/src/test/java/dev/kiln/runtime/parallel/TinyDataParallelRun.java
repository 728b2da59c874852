package dev.kiln.runtime.parallel;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.runtime.train.TrainSettings;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.runtime.train.TrainingJob;
import dev.kiln.runtime.train.TrainingListener;

import dev.kiln.runtime.io.CheckpointStore;
import dev.kiln.runtime.train.Checkpointer;
import dev.kiln.runtime.train.StoreCheckpointer;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny next-token training run (GPT of 2 layers, width 16, 30 AdamW steps of 4 rows, dropout off) for the
 * data-parallel tests here and in the Spark module: plain, or as a worker when a {@link DataParallel} is current.
 */
public final class TinyDataParallelRun {
    private TinyDataParallelRun() {}

    public static final int VOCAB = 23, LEN = 8, ROWS = 48, STEPS = 30, BATCH = 4;

    /** Next-token prediction over rows of a small fixed corpus; weight = the row's target tokens. */
    static final class NextToken implements Objective {
        @Override public String name() { return "next_token"; }

        @Override
        public List<Batch> prepare(Dataset data, BatchSpec spec, long seed) {
            List<Batch> out = new ArrayList<>();
            List<Example> ex = data.examples();
            for (int b = 0; b + spec.batchSize() <= ex.size(); b += spec.batchSize()) {
                int[] ids = new int[spec.batchSize() * LEN], targets = new int[spec.batchSize() * LEN];
                for (int r = 0; r < spec.batchSize(); r++) {
                    @SuppressWarnings("unchecked") List<Integer> row = (List<Integer>) ex.get(b + r).fields().get("ids");
                    for (int t = 0; t < LEN; t++) {
                        ids[r * LEN + t] = row.get(t);
                        targets[r * LEN + t] = row.get(t + 1);
                    }
                }
                out.add(new Batch().put("ids", new IntTensor(ids, spec.batchSize(), LEN))
                        .put("targets", new IntTensor(targets, spec.batchSize(), LEN)).tokens(ids.length));
            }
            return out;
        }

        @Override
        public Output compute(Transformer model, Batch batch) {
            Tensor logits = model.logits(model.forward(ModelInput.of(batch.ints("ids"))));
            Tensor loss = Losses.crossEntropy(logits, batch.ints("targets"));
            return new Output(loss, Map.of(), batch.ints("targets").size());
        }
    }

    static Dataset corpus() {
        SplittableRandom r = new SplittableRandom(5);
        List<Example> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            List<Integer> ids = new ArrayList<>();
            int start = r.nextInt(VOCAB);
            for (int t = 0; t <= LEN; t++) ids.add((start + t * (1 + i % 3)) % VOCAB);   // learnable progressions
            rows.add(new Example(Map.of("ids", ids), "mem", null));
        }
        return new Dataset("mem", rows);
    }

    /**
     * Losses, gradient norms (before clipping) and token counts of the steps this run trained (after a resume: from its
     * checkpoint on), final weights, the optimizer's final state (a copy) and the bytes of it this worker held.
     */
    public record Result(long startedAt, List<Double> losses, List<Double> gradNorms, List<Long> tokens, Map<String, float[]> weights,
                         Map<String, float[]> optimizerState, long optimizerStateBytes) implements Serializable {}

    public static Result train() { return train(null, 0, -1); }

    /** With another batch size than {@link #BATCH}. */
    public static Result train(int batch) { return train(null, 0, -1, batch); }

    /**
     * @param checkpoints a directory every worker sees (null: none); rank 0 writes a checkpoint every
     *                    {@code checkpointEvery} steps there and every worker resumes from the newest
     * @param failAtStep  throw after this step (a crashing worker), or -1
     */
    public static Result train(Path checkpoints, int checkpointEvery, int failAtStep) { return train(checkpoints, checkpointEvery, failAtStep, BATCH); }

    private static Result train(Path checkpoints, int checkpointEvery, int failAtStep, int batch) {
        return train(checkpoints, checkpointEvery, failAtStep, batch, false);
    }

    /** As a replica ({@link Replicas}) whose optimizer is sharded over the replicas ({@link ShardedOptimizer}). */
    public static Result trainSharded(Path checkpoints, int checkpointEvery, int failAtStep, int batch) {
        return train(checkpoints, checkpointEvery, failAtStep, batch, true);
    }

    private static Result train(Path checkpoints, int checkpointEvery, int failAtStep, int batch, boolean sharded) {
        return train(checkpoints, checkpointEvery, step -> {
            if (step == failAtStep) throw new IllegalStateException("injected failure after step " + failAtStep);
        }, batch, sharded);
    }

    /** With {@code afterStep} called with each step's number once it is logged. */
    public static Result train(Path checkpoints, int checkpointEvery, java.util.function.LongConsumer afterStep) {
        return train(checkpoints, checkpointEvery, afterStep, BATCH, false);
    }

    private static Result train(Path checkpoints, int checkpointEvery, java.util.function.LongConsumer afterStep, int batch,
                                boolean sharded) {
        try (CpuBackend be = new CpuBackend(1)) {
            Transformer model = new Transformer(be, TransformerConfig.gpt2(VOCAB, 16, 2, 2, LEN).withDropout(0f), 3);
            List<ParamGroup> groups = new ArrayList<>();
            model.namedParameters().forEach((n, t) -> groups.add(new ParamGroup(n, t, 1, ParamGroup.decays(n, t) ? 0.1 : 0)));
            TrainSettings settings = TrainSettings.fromConfig(new Config("train", Map.of("steps", STEPS, "batch_size", batch,
                    "lr", 3e-3, "grad_clip", 1.0, "eval_every", 0, "schedule", "constant", "checkpoint_every", checkpointEvery)));
            List<Double> losses = new ArrayList<>(), norms = new ArrayList<>();
            List<Long> tokens = new ArrayList<>();
            long[] startedAt = {0};
            TrainingListener listener = new TrainingListener() {
                @Override public void onStart(long fromStep, long totalSteps) { startedAt[0] = fromStep; }

                @Override public void onStep(StepReport r) {
                    losses.add(r.loss());
                    norms.add(r.gradNorm());
                    tokens.add(r.tokens());
                    afterStep.accept(r.step());
                }
            };
            Checkpointer checkpointer = null;
            if (checkpoints != null) {
                DataParallel dp = DataParallel.current();
                Checkpointer store = new StoreCheckpointer(new CheckpointStore(checkpoints, 2), Map.of());
                checkpointer = dp == null ? store : new RankCheckpointer(store, dp.rank());
            }
            Optimizer optimizer = sharded
                    ? new ShardedOptimizer(groups, (SharedMemoryCollective) DataParallel.current().collective(), own -> new AdamW(own, 0.9, 0.95, 1e-8))
                    : new AdamW(groups, 0.9, 0.95, 1e-8);
            new Trainer(new TrainingJob(model, new NextToken(), null, model.namedParameters(), optimizer,
                    corpus(), null, settings, checkpointer, null, null, listener)).run();
            Map<String, float[]> w = new java.util.LinkedHashMap<>();
            model.namedParameters().forEach((n, t) -> w.put(n, t.toArray()));
            Map<String, float[]> state = new java.util.LinkedHashMap<>();
            optimizer.state().forEach((n, a) -> state.put(n, a.clone()));
            return new Result(startedAt[0], losses, norms, tokens, w, state, optimizer.stateBytes());
        }
    }
}
