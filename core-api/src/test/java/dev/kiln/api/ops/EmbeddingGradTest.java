package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Embedding lookup: gather forward, scatter-add backward (repeated ids accumulate). */
class EmbeddingGradTest {
    private final Backend be = new NaiveBackend();

    @Test
    void gradientWithRepeatedIds() {
        Tensor table = GradCheck.randn(be, 91, 5, 3);
        IntTensor ids = new IntTensor(new int[] {1, 4, 1, 0, 1, 4}, 2, 3);
        GradCheck.assertGradients("embedding [2, 3]", () -> Activations.square(Embedding.lookup(table, ids)), table);
        IntTensor flat = new IntTensor(new int[] {2, 2, 2}, 3);
        GradCheck.assertGradients("embedding [3]", () -> Activations.square(Embedding.lookup(table, flat)), table);
    }

    @Test
    void forwardAndAccumulatedGradient() {
        Tensor table = Tensor.of(be, new float[] {0, 1, 10, 11, 20, 21}, 3, 2).requiresGrad(true);
        IntTensor ids = new IntTensor(new int[] {2, 0, 2}, 1, 3);
        Tensor out = Embedding.lookup(table, ids);
        assertArrayEquals(new int[] {1, 3, 2}, out.dims());
        assertArrayEquals(new float[] {20, 21, 0, 1, 20, 21}, out.toArray());
        Reductions.sum(out).backward();
        assertArrayEquals(new float[] {1, 1, 0, 0, 2, 2}, table.grad().toArray());
    }

    @Test
    void idsOutsideTheTableAreRejected() {
        Tensor table = Tensor.zeros(be, 3, 2);
        assertThrows(IllegalArgumentException.class, () -> Embedding.lookup(table, new IntTensor(new int[] {3}, 1)));
        assertThrows(IllegalArgumentException.class, () -> Embedding.lookup(table, new IntTensor(new int[] {-1}, 1)));
    }
}
