package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.IntTensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dropout is active in train mode only, and reproducible from the dropout seed. */
class DropoutModeTest {
    private final Backend be = new NaiveBackend();
    private final IntTensor ids = TinyModels.ids(41, 2, 6);

    private float[] run(Transformer m) {
        try (var g = GradMode.noGrad()) {
            return m.forward(ModelInput.of(ids)).toArray();
        }
    }

    @Test
    void evalModeIsDeterministicAndEqualsTheModelWithoutDropout() {
        Transformer withDropout = new Transformer(be, TinyModels.with(TinyModels.gpt2(), 0.3f, false, 0.1f), 12);
        Transformer without = new Transformer(be, TinyModels.with(TinyModels.gpt2(), 0f, false, 0.1f), 12);
        withDropout.train(false);
        assertFalse(withDropout.isTraining());
        assertFalse(withDropout.blocks().get(0).isTraining(), "train(false) reaches the blocks");
        float[] a = run(withDropout);
        assertArrayEquals(a, run(withDropout));
        assertArrayEquals(run(without), a, 0f);
    }

    @Test
    void trainModeDropsAndIsReproducibleFromTheSeed() {
        Transformer model = new Transformer(be, TinyModels.with(TinyModels.gpt2(), 0.3f, false, 0.1f), 12);
        model.train(false);
        float[] eval = run(model);
        model.train(true);
        assertTrue(model.blocks().get(1).feedForward().isTraining());
        model.setDropoutSeed(5);
        float[] first = run(model), second = run(model);
        assertFalse(Arrays.equals(eval, first), "dropout changes the output in train mode");
        assertFalse(Arrays.equals(first, second), "each forward pass draws new masks");
        model.setDropoutSeed(5);
        assertArrayEquals(first, run(model), "the same seed gives the same masks");
    }

    @Test
    void zeroDropoutTrainModeEqualsEvalMode() {
        Transformer model = new Transformer(be, TinyModels.with(TinyModels.gpt2(), 0f, false, 0.1f), 13);
        float[] train = run(model);
        model.train(false);
        assertArrayEquals(train, run(model));
    }

    @Test
    void setDropoutChangesTheRateOfTheEmbeddingsAndEveryBlock() {
        Transformer model = new Transformer(be, TinyModels.with(TinyModels.gpt2(), 0.3f, false, 0.1f), 14);
        model.train(false);
        float[] eval = run(model);
        model.train(true);
        model.setDropout(0f);
        model.setDropoutSeed(5);
        assertArrayEquals(eval, run(model), 0f, "rate 0: train mode computes what eval mode does");
        assertTrue(model.config().dropout() == 0f, "config() reports the new rate");
        model.setDropout(0.3f);
        model.setDropoutSeed(5);
        assertFalse(Arrays.equals(eval, run(model)), "and a rate above 0 drops again");
    }
}
