package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.function.BinaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** add / sub / mul / div with numpy broadcasting (both operands, both directions), and the scalar ops. */
class ArithmeticGradTest {
    private final Backend be = new NaiveBackend();

    static Stream<Arguments> shapes() {
        int[][][] pairs = {
                {{2, 3}, {2, 3}},
                {{2, 3}, {3}},          // rank difference, b broadcast
                {{3}, {2, 3}},          // rank difference, a broadcast
                {{2, 1}, {1, 3}},       // both broadcast
                {{2, 3, 4}, {1}},       // scalar [1] on the right
                {{1}, {2, 3}},          // scalar [1] on the left
                {{4, 1, 3}, {2, 1}},    // size-1 dims and rank difference together
                {{1}, {1}},
                {{2, 3}, {}},           // rank-0 scalar
        };
        String[] ops = {"add", "sub", "mul", "div"};
        return Arrays.stream(ops).flatMap(op -> Arrays.stream(pairs).map(p -> Arguments.of(op, p[0], p[1])));
    }

    private static BinaryOperator<Tensor> op(String name) {
        return switch (name) {
            case "add" -> Arithmetic::add;
            case "sub" -> Arithmetic::sub;
            case "mul" -> Arithmetic::mul;
            case "div" -> Arithmetic::div;
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("shapes")
    void gradientOfBothOperands(String name, int[] aShape, int[] bShape) {
        Tensor a = GradCheck.randn(be, 11, aShape);
        // a divisor away from 0 keeps 1/b smooth over the finite-difference step
        Tensor b = name.equals("div") ? GradCheck.awayFromZero(be, 12, 0.5, 1.5, bShape) : GradCheck.randn(be, 12, bShape);
        BinaryOperator<Tensor> f = op(name);
        GradCheck.assertGradients(name + " " + Arrays.toString(aShape) + " " + Arrays.toString(bShape), () -> f.apply(a, b), a, b);
    }

    @ParameterizedTest(name = "{0} one side only")
    @ValueSource(strings = {"add", "sub", "mul", "div"})
    void gradientWhenOnlyOneOperandRequiresIt(String name) {
        Tensor a = GradCheck.randn(be, 13, 2, 3), b = GradCheck.awayFromZero(be, 14, 0.5, 1.5, 3);
        BinaryOperator<Tensor> f = op(name);
        GradCheck.assertGradients(name + " wrt a", () -> f.apply(a, b.detach()), a);
        Tensor a2 = GradCheck.randn(be, 15, 2, 3), b2 = GradCheck.awayFromZero(be, 16, 0.5, 1.5, 3);
        GradCheck.assertGradients(name + " wrt b", () -> f.apply(a2.detach(), b2), b2);
    }

    @ParameterizedTest
    @ValueSource(floats = {-1.5f, 0.5f, 3f})
    void scalarOps(float s) {
        Tensor x = GradCheck.randn(be, 17, 3, 4);
        GradCheck.assertGradients("mulScalar " + s, () -> Arithmetic.mulScalar(x, s), x);
        GradCheck.assertGradients("addScalar " + s, () -> Arithmetic.addScalar(Arithmetic.mul(x, x), s), x);
    }

    @ParameterizedTest
    @ValueSource(strings = {"add", "sub", "mul", "div"})
    void forwardBroadcastsLikeNumpy(String name) {
        Tensor a = Tensor.of(be, new float[] {1, 2}, 2, 1), b = Tensor.of(be, new float[] {4, 5, 8}, 3);
        float[] expected = new float[6];
        float[] av = {1, 2}, bv = {4, 5, 8};
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                expected[i * 3 + j] = switch (name) {
                    case "add" -> av[i] + bv[j];
                    case "sub" -> av[i] - bv[j];
                    case "mul" -> av[i] * bv[j];
                    default -> av[i] / bv[j];
                };
        Tensor out = op(name).apply(a, b);
        assertArrayEquals(new int[] {2, 3}, out.dims());
        assertArrayEquals(expected, out.toArray(), 1e-6f);
    }
}
