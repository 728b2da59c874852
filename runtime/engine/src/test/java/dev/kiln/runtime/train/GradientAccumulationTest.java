package dev.kiln.runtime.train;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.optim.Sgd;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Gradient accumulation averages over what the micro-batches count for (their target tokens), as
 * transformers' num_items_in_batch does, not over micro-batch means: micro-batches of 1 and 3 items
 * train as one batch of 4 would.
 */
class GradientAccumulationTest {
    private static final NaiveBackend BACKEND = new NaiveBackend();

    /** loss = mean over a batch's items x of (w − x)², weight = the number of items; one example per batch. */
    private static final class SquaredError implements Objective {
        final Tensor w = Tensor.of(BACKEND, new float[] {0f}, 1).requiresGrad(true);

        @Override public String name() { return "squared_error"; }

        @Override
        public List<Batch> prepare(Dataset data, BatchSpec spec, long seed) {
            List<Batch> out = new ArrayList<>();
            for (Example ex : data.examples()) {
                @SuppressWarnings("unchecked") List<Number> items = (List<Number>) ex.fields().get("x");
                float[] x = new float[items.size()];
                for (int i = 0; i < x.length; i++) x[i] = items.get(i).floatValue();
                out.add(new Batch().put("x", x, x.length).tokens(x.length));
            }
            return out;
        }

        @Override
        public Output compute(Transformer model, Batch batch) {
            float[] x = batch.floats("x").data();
            double mean = 0, meanSq = 0;
            for (float v : x) {
                mean += v / x.length;
                meanSq += (double) v * v / x.length;
            }
            // mean (w − x)² = w² − 2·mean(x)·w + mean(x²)   [1]
            Tensor loss = Arithmetic.addScalar(Arithmetic.add(Activations.square(w), Arithmetic.mulScalar(w, (float) (-2 * mean))), (float) meanSq);
            return new Output(loss, Map.of("loss", (double) loss.item()), x.length);
        }
    }

    private static float trainOneStep(int gradAccum, List<List<Number>> batches) {
        SquaredError objective = new SquaredError();
        Transformer model = new Transformer(BACKEND, TransformerConfig.gpt2(8, 4, 1, 1, 4), 1);
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        List<Example> examples = new ArrayList<>();
        for (List<Number> b : batches) examples.add(new Example(Map.of("x", b), "mem", null));
        TrainSettings settings = TrainSettings.fromConfig(new Config("train", Map.of("steps", 1, "batch_size", 1, "grad_accum", gradAccum,
                "lr", 0.1, "optimizer", "sgd", "momentum", 0.0, "grad_clip", 0.0, "weight_decay", 0.0, "eval_every", 0, "schedule", "constant")));
        Sgd sgd = new Sgd(List.of(new ParamGroup("w", objective.w, 1.0, 0)), 0);
        new Trainer(new TrainingJob(model, objective, null, Map.of("heads.squared_error.w", objective.w), sgd,
                new Dataset("mem", examples), null, settings, null, null, null, null)).run();
        return objective.w.item();
    }

    @Test
    void microBatchesAreWeightedByWhatTheyCountFor() {
        // items {10} and {0, 0, 0}: the mean over all four is 2.5, so dL/dw at w = 0 is 2·(0 − 2.5) = −5 and SGD at lr 0.1 gives 0.5
        // (the mean of the two micro-batch means, 5, would give 1.0)
        assertEquals(0.5f, trainOneStep(2, List.of(List.of(10), List.of(0, 0, 0))), 1e-6f);
        assertEquals(0.5f, trainOneStep(1, List.of(List.of(10, 0, 0, 0))), 1e-6f, "one batch of the same four items");
    }
}
