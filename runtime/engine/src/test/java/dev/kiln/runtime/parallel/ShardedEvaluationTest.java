package dev.kiln.runtime.parallel;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Evaluation;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.runtime.train.Evaluator;
import dev.kiln.runtime.train.TrainSettings;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.runtime.train.TrainingJob;
import dev.kiln.runtime.train.TrainingListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An evaluation shared out over replicas: every replica evaluates every R-th batch, and all of them add every part up
 * in batch order, so each gets the bits one model gets from all the batches.
 */
class ShardedEvaluationTest {
    private static final int BATCHES = TinyDataParallelRun.ROWS / TinyDataParallelRun.BATCH;

    /** Next-token prediction reporting its loss and perplexity, counting the batches it evaluates. */
    static final class Counted implements Objective {
        final TinyDataParallelRun.NextToken inner = new TinyDataParallelRun.NextToken();
        int evaluated;

        @Override public String name() { return "next_token"; }

        @Override public List<Batch> prepare(Dataset data, BatchSpec spec, long seed) { return inner.prepare(data, spec, seed); }

        @Override
        public Output compute(Transformer model, Batch batch) {
            if (!model.isTraining()) evaluated++;
            Output out = inner.compute(model, batch);
            return new Output(out.loss(), Map.of("loss", (double) out.loss().item()), out.weight());
        }

        @Override
        public Map<String, Double> finish(Map<String, Double> averaged) {
            Map<String, Double> m = new LinkedHashMap<>(averaged);
            m.put("perplexity", Math.exp(averaged.get("loss")));
            return m;
        }
    }

    @Test
    void everyWorkersPartsAddUpToOneModelsMetricsBitForBit() {
        try (CpuBackend be = new CpuBackend(1)) {
            Transformer model = new Transformer(be, TransformerConfig.gpt2(TinyDataParallelRun.VOCAB, 16, 2, 2, TinyDataParallelRun.LEN), 3);
            Counted objective = new Counted();
            Batches batches = objective.batches(TinyDataParallelRun.corpus(), new BatchSpec(TinyDataParallelRun.BATCH, TinyDataParallelRun.LEN), 7);
            Map<String, Double> want = Evaluation.evaluate(model, objective, batches);
            assertEquals(BATCHES, objective.evaluated);
            for (int world : new int[] {2, 3, 5}) {
                List<Evaluation.Part> parts = new ArrayList<>();
                for (int rank = 0; rank < world; rank++) {
                    List<Evaluation.Part> mine = Evaluation.evaluateParts(model, objective, batches, rank, world);
                    for (Evaluation.Part p : mine) assertEquals(rank, p.batch() % world, "worker " + rank + " of " + world + " evaluates its batches");
                    assertEquals((BATCHES - rank + world - 1) / world, mine.size(), "worker " + rank + " of " + world);
                    parts.addAll(mine);
                }
                Collections.shuffle(parts, new Random(world));   // workers' parts arrive in any order
                assertEquals(want, Evaluation.combine(objective, parts), world + " workers");
            }
            // sums whose rounding shows the order: in batch order 1e17 + 1 - 1e17 + 1 = 1; backwards it is 0
            List<Evaluation.Part> probe = new ArrayList<>();
            double[] values = {1e17, 1, -1e17, 1};
            for (int b = values.length - 1; b >= 0; b--) probe.add(new Evaluation.Part(b, Map.of("loss", values[b]), 1));
            assertEquals(0.25, Evaluation.combine(objective, probe).get("loss"), 0.0, "added up in batch order");
        }
    }

    /**
     * Two replicas training with evaluation every 10 steps: each evaluates half of the 12 batches at each evaluation,
     * both log the same metrics, and the last are the bits of one model's evaluation of the final weights.
     */
    @Test
    void replicasShareTheTrainersEvaluationsOut() throws Exception {
        record Run(List<Map<String, Double>> evals, int evaluated, Map<String, Double> alone) {}
        List<Run> runs = Replicas.run(2, (rank, world) -> {
            try (CpuBackend be = new CpuBackend(1)) {
                Transformer model = new Transformer(be, TransformerConfig.gpt2(TinyDataParallelRun.VOCAB, 16, 2, 2, TinyDataParallelRun.LEN).withDropout(0f), 3);
                List<ParamGroup> groups = new ArrayList<>();
                model.namedParameters().forEach((n, t) -> groups.add(new ParamGroup(n, t, 1, 0)));
                TrainSettings settings = TrainSettings.fromConfig(new Config("train", Map.of("steps", 20, "batch_size", TinyDataParallelRun.BATCH,
                        "lr", 3e-3, "eval_every", 10, "eval_batches", 0, "schedule", "constant", "checkpoint_every", 0)));
                Counted objective = new Counted();
                List<Map<String, Double>> evals = new ArrayList<>();
                TrainingListener listener = new TrainingListener() {
                    @Override public void onEval(long step, Map<String, Double> metrics) { evals.add(metrics); }
                };
                Dataset validation = TinyDataParallelRun.corpus();
                new Trainer(new TrainingJob(model, objective, null, model.namedParameters(),
                        new ShardedOptimizer(groups, (SharedMemoryCollective) DataParallel.current().collective(),
                                own -> new dev.kiln.api.optim.AdamW(own, 0.9, 0.95, 1e-8)),
                        TinyDataParallelRun.corpus(), validation, settings, null, null, null, listener)).run();
                int evaluated = objective.evaluated;
                Map<String, Double> alone = Evaluator.evaluate(model, objective, validation,
                        new BatchSpec(TinyDataParallelRun.BATCH, TinyDataParallelRun.LEN), 0, settings.seed());
                return new Run(evals, evaluated, alone);
            }
        });
        for (int r = 0; r < 2; r++) {
            Run run = runs.get(r);
            assertEquals(3, run.evals().size(), "evaluations at steps 0, 10 and 20");
            assertEquals(3 * BATCHES / 2, run.evaluated(), "replica " + r + " evaluated half of the batches each time");
            assertEquals(runs.get(0).evals(), run.evals(), "replica " + r + " logged replica 0's metrics");
            assertEquals(run.alone(), run.evals().get(2), "replica " + r + ": one model's evaluation of the final weights");
        }
        assertTrue(runs.get(0).evals().get(2).get("loss") < runs.get(0).evals().get(0).get("loss"), "the model learns: " + runs.get(0).evals());
    }
}
