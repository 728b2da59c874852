package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.backend.StoragePool;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13's "a step after the first allocates nothing proportional to the model or the batch": once the
 * first step has filled the backend's pool, later training steps (forward, backward, AdamW, zero_grad)
 * take every activation, gradient and scratch storage from it, with and without gradient checkpointing.
 * The pool's own counters measure it here (the naive backend's loops allocate host scratch of their own);
 * the cpu backend's test counts every byte the JVM allocates.
 */
class StepMemoryReuseTest {
    private static final int STEPS = 5;

    private record Step(long freshBytes, long reusedBytes) {}

    @ParameterizedTest(name = "{0}, checkpointing {1}, batch {2}")
    @CsvSource({"gpt2, false, 2", "gpt2, true, 2", "llama, false, 2", "llama, true, 2", "gpt2, false, 8", "llama, true, 8"})
    void laterStepsReuseThePool(String kind, boolean checkpointing, int batch) {
        Backend be = new NaiveBackend();
        TransformerConfig c = (kind.equals("llama") ? TinyModels.llama() : TinyModels.gpt2()).toBuilder().dropout(0.1f).layers(3).build();
        Transformer model = new Transformer(be, c, 3);
        model.setGradientCheckpointing(checkpointing);
        List<ParamGroup> groups = new ArrayList<>();
        model.namedParameters().forEach((k, p) -> groups.add(new ParamGroup(k, p, 1, 0.01)));
        AdamW opt = new AdamW(groups, 0.9, 0.999, 1e-8);
        List<Step> steps = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) steps.add(step(be, model, opt, s, batch));
        Step first = steps.get(0);
        assertTrue(first.freshBytes > 100_000, "the first step fills the pool: " + first);
        for (int s = 2; s < STEPS; s++) {
            Step later = steps.get(s);
            // the loss's one float is all that stays with the caller
            assertTrue(later.freshBytes <= 64, "step " + (s + 1) + " allocated new arrays: " + later + " (first " + first + ")");
            assertTrue(later.reusedBytes >= first.freshBytes / 2, "step " + (s + 1) + " drew its arrays from the pool: " + later);
        }
    }

    private static Step step(Backend be, Transformer model, AdamW opt, int s, int batch) {
        IntTensor ids = TinyModels.ids(100 + s, batch, 16), targets = TinyModels.ids(200 + s, batch, 16);
        StoragePool.Stats before = be.poolStats();
        model.setDropoutSeed(s);
        Tensor loss = Losses.crossEntropy(model.logits(model.forward(ModelInput.of(ids))), targets);   // [B, T, V] → [1]
        loss.backward();
        opt.step(1e-3);
        for (Tensor p : model.parameters()) p.zeroGrad();
        StoragePool.Stats d = be.poolStats().minus(before);
        return new Step(d.freshBytes(), d.reusedBytes());
    }
}
