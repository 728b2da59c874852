package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * position_offset (RoBERTa: learned positions start at row padding_idx + 1 = 2): a model whose
 * table is another's shifted down by two rows computes the same states, for plain, cached and
 * explicit-position inputs, and takes at most max_seq − offset tokens.
 */
class PositionOffsetTest {
    private final Backend be = new NaiveBackend();
    private static final int OFFSET = 2, MAX = 10;

    private Transformer[] pair() {
        TransformerConfig plain = TransformerConfig.bert(TinyModels.VOCAB, 16, 2, 4, MAX);
        Transformer a = new Transformer(be, plain, 5), b = new Transformer(be, plain.toBuilder().positionOffset(OFFSET).build(), 5);
        assertEquals(MAX - OFFSET, b.config().usablePositions());
        float[] table = a.namedParameters().get("embed.positions.weight").toArray(), shifted = new float[table.length];
        int c = 16;
        System.arraycopy(table, 0, shifted, OFFSET * c, (MAX - OFFSET) * c);     // b's row r + 2 = a's row r
        b.namedParameters().get("embed.positions.weight").copyFrom(shifted);
        a.train(false);
        b.train(false);
        return new Transformer[] {a, b};
    }

    @Test
    void positionsStartAtTheOffsetRow() {
        Transformer[] m = pair();
        IntTensor ids = TinyModels.ids(3, 2, MAX - OFFSET);
        try (var g = GradMode.noGrad()) {
            float[] expected = m[0].forward(ModelInput.of(ids)).toArray();
            assertArrayEquals(expected, m[1].forward(ModelInput.of(ids)).toArray(), 1e-5f, "plain");

            int[] pos = new int[2 * (MAX - OFFSET)];
            for (int i = 0; i < pos.length; i++) pos[i] = (i * 5) % (MAX - OFFSET);  // explicit, in [0, usable)
            IntTensor positions = new IntTensor(pos, 2, MAX - OFFSET);
            assertArrayEquals(m[0].forward(ModelInput.of(ids).withPositions(positions)).toArray(),
                    m[1].forward(ModelInput.of(ids).withPositions(positions)).toArray(), 1e-5f, "explicit positions");

            // an unshifted table would make b differ from a: the check above is not vacuous
            Transformer c = new Transformer(be, m[1].config(), 5);
            c.train(false);
            float[] unshifted = c.forward(ModelInput.of(ids)).toArray();
            assertEquals(false, java.util.Arrays.equals(expected, unshifted));
        }
    }

    @Test
    void cachedDecodingUsesTheOffsetToo() {
        TransformerConfig causal = TransformerConfig.gpt2(TinyModels.VOCAB, 16, 2, 4, MAX).toBuilder().positionOffset(OFFSET).build();
        Transformer model = new Transformer(be, causal, 8);
        model.train(false);
        IntTensor ids = TinyModels.ids(4, 1, MAX - OFFSET);
        try (var g = GradMode.noGrad()) {
            Tensor full = model.forward(ModelInput.of(ids));
            KVCache cache = new KVCache(causal.layers());
            List<Tensor> steps = new ArrayList<>();
            for (int t = 0; t < ids.dim(1); t++)
                steps.add(model.forward(ModelInput.of(new IntTensor(new int[] {ids.get(0, t)}, 1, 1)).withCache(cache)));
            assertArrayEquals(full.toArray(), Shapes.concat(1, steps).toArray(), 1e-5f);
            assertThrows(IllegalArgumentException.class,
                    () -> model.forward(ModelInput.of(new IntTensor(new int[] {1}, 1, 1)).withCache(cache)), "past the usable positions");
        }
    }

    @Test
    void inputsAreLimitedToTheUsablePositions() {
        Transformer b = pair()[1];
        try (var g = GradMode.noGrad()) {
            assertThrows(IllegalArgumentException.class, () -> b.forward(ModelInput.of(TinyModels.ids(1, 1, MAX - OFFSET + 1))));
            IntTensor tooFar = new IntTensor(new int[] {0, MAX - OFFSET}, 1, 2);
            assertThrows(IllegalArgumentException.class, () -> b.forward(ModelInput.of(TinyModels.ids(1, 1, 2)).withPositions(tooFar)));
        }
    }
}
