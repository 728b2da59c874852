package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every element-wise activation, on inputs inside its smooth domain, at two shapes. */
class ActivationGradTest {
    private final Backend be = new NaiveBackend();

    /** name, function, input domain: "any", "positive" (0.2..3), or "nonzero" (|x| in 0.1..2). */
    static Stream<Arguments> activations() {
        return Stream.of(
                Arguments.of("relu", (UnaryOperator<Tensor>) Activations::relu, "nonzero"),
                Arguments.of("gelu", (UnaryOperator<Tensor>) Activations::gelu, "any"),
                Arguments.of("geluTanh", (UnaryOperator<Tensor>) Activations::geluTanh, "any"),
                Arguments.of("silu", (UnaryOperator<Tensor>) Activations::silu, "any"),
                Arguments.of("tanh", (UnaryOperator<Tensor>) Activations::tanh, "any"),
                Arguments.of("sigmoid", (UnaryOperator<Tensor>) Activations::sigmoid, "any"),
                Arguments.of("exp", (UnaryOperator<Tensor>) Activations::exp, "any"),
                Arguments.of("log", (UnaryOperator<Tensor>) Activations::log, "positive"),
                Arguments.of("sqrt", (UnaryOperator<Tensor>) Activations::sqrt, "positive"),
                Arguments.of("neg", (UnaryOperator<Tensor>) Activations::neg, "any"),
                Arguments.of("square", (UnaryOperator<Tensor>) Activations::square, "any"),
                Arguments.of("abs", (UnaryOperator<Tensor>) Activations::abs, "nonzero"),
                Arguments.of("pow 3", (UnaryOperator<Tensor>) x -> Activations.pow(x, 3f), "any"),
                Arguments.of("pow 0.5", (UnaryOperator<Tensor>) x -> Activations.pow(x, 0.5f), "positive"),
                Arguments.of("pow -1.5", (UnaryOperator<Tensor>) x -> Activations.pow(x, -1.5f), "positive"),
                Arguments.of("gelu_new by name", (UnaryOperator<Tensor>) x -> Activations.byName("gelu_new", x), "any"),
                Arguments.of("swish by name", (UnaryOperator<Tensor>) x -> Activations.byName("swish", x), "any"));
    }

    private Tensor input(String domain, long seed, int... dims) {
        return switch (domain) {
            case "positive" -> GradCheck.uniform(be, seed, 0.2, 3, dims);
            case "nonzero" -> GradCheck.awayFromZero(be, seed, 0.1, 2, dims);
            default -> GradCheck.uniform(be, seed, -3, 3, dims);
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("activations")
    void gradient(String name, UnaryOperator<Tensor> f, String domain) {
        Tensor x = input(domain, 21, 4, 5);
        GradCheck.assertGradients(name + " [4, 5]", () -> f.apply(x), x);
        Tensor y = input(domain, 22, 2, 1, 3);
        GradCheck.assertGradients(name + " [2, 1, 3]", () -> f.apply(y), y);
    }

    @Test
    void forwardValues() {
        Tensor x = Tensor.of(be, new float[] {-1f, 0.5f, 1f, 2f}, 4);
        assertArrayEquals(new float[] {0f, 0.5f, 1f, 2f}, Activations.relu(x).toArray());
        // GELU(x) = x·Φ(x): Φ(1) = 0.8413447, Φ(-1) = 0.1586553, Φ(0.5) = 0.6914625, Φ(2) = 0.9772499
        assertArrayEquals(new float[] {-0.1586553f, 0.3457312f, 0.8413447f, 1.9544997f}, Activations.gelu(x).toArray(), 1e-6f);
        // tanh approximation of GELU at 1: 0.5·(1 + tanh(√(2/π)·1.044715)) = 0.8411920
        assertArrayEquals(new float[] {0.8411920f}, Activations.geluTanh(Tensor.of(be, new float[] {1f}, 1)).toArray(), 1e-6f);
        assertArrayEquals(new float[] {-0.2689414f, 0.3112297f, 0.7310586f, 1.7615942f}, Activations.silu(x).toArray(), 1e-6f);
        assertArrayEquals(new float[] {0.2689414f, 0.6224593f, 0.7310586f, 0.8807971f}, Activations.sigmoid(x).toArray(), 1e-6f);
        assertArrayEquals(new float[] {1f, 0.125f, 1f, 8f}, Activations.pow(Activations.abs(x), 3f).toArray(), 1e-6f);
        assertArrayEquals(new float[] {0f, (float) Math.log(0.5), 0f, (float) Math.log(2)},
                Activations.log(Activations.abs(x)).toArray(), 1e-6f);
    }

    @Test
    void unknownActivationNamesTheKnownOnes() {
        Tensor x = Tensor.of(be, new float[] {1f}, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activations.byName("mish", x));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("relu"), e.getMessage());
    }
}
