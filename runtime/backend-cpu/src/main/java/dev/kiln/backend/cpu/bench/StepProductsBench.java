package dev.kiln.backend.cpu.bench;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.backend.cpu.CpuBackend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The matrix products of a training step of a bench model, each timed on its own:
 * {@code java --add-modules jdk.incubator.vector -cp ... StepProductsBench [threads] [tiny|small|gpt2-124M] [rounds]
 * [prompt rows]}; with prompt rows, only the forward products, of that many rows: a prompt's pass.
 * Per linear layer of a block (qkv, attention projection, MLP up and down) and the tied LM head: the forward
 * product (with its bias where the model has one), the input gradient dX = dY·W and the weight gradient
 * dW = dYᵀ·X, with the shapes and flags of {@code MatMul.linear}'s backward. Each round runs the fifteen in turn,
 * so, as in a step, a product finds its operands mostly out of the cache the others used. Prints the median of
 * each, and the products of a whole step (every block's and the head's). With {@code -Dkiln.bench.otherShape=BITS}
 * (64, 128, 256 or 512) the JVM first runs 200,000 operations on float vectors of that shape, as other code in an
 * application might: the type profiles Kiln's kernels then meet (bench/JOURNAL.md, eighteenth session).
 */
public final class StepProductsBench {
    private StepProductsBench() {}

    /** One product: C[m×n] = op(A)·op(B), op(A) = Aᵀ when transA, op(B) = Bᵀ when transB; bias: + a row over C. */
    public record Product(String name, int m, int n, int k, boolean transA, boolean transB, boolean bias) {
        /** How often a step runs it: the LM head's products once, a block's in every one of layers blocks. */
        public int perStep(int layers) { return name.startsWith("lm-head") ? 1 : layers; }
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        String config = args.length > 1 ? args[1] : "tiny";
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int[] dims = dims(config);
        int promptRows = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        int rows = promptRows > 0 ? promptRows : dims[0], c = dims[1], v = dims[2], layers = dims[3];
        Product[] products = products(rows, c, v);
        if (promptRows > 0) products = Arrays.stream(products).filter(p -> p.name().endsWith(" fwd")).toArray(Product[]::new);
        int otherShape = Integer.getInteger("kiln.bench.otherShape", 0);
        if (otherShape > 0) useOtherShape(otherShape);
        try (Backend b = new CpuBackend(threads)) {
            if (otherShape > 0) System.out.println("after 200,000 operations on " + otherShape + "-bit float vectors");
            System.out.println(b.description() + ", " + config + ", " + rounds + " rounds" + (promptRows > 0 ? ", a prompt of " + rows + " rows" : ""));
            double[][] secs = new double[products.length][rounds];
            Storage[][] operands = new Storage[products.length][];
            for (int i = 0; i < products.length; i++) operands[i] = operands(b, products[i], i);
            for (int i = 0; i < products.length; i++) for (int w = 0; w < 5; w++) run(b, products[i], operands[i]);
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < products.length; i++) {
                    long t0 = System.nanoTime();
                    run(b, products[i], operands[i]);
                    secs[i][r] = (System.nanoTime() - t0) * 1e-9;
                }
            }
            double total = 0, flops = 0;
            int count = 0;
            for (int i = 0; i < products.length; i++) {
                Product p = products[i];
                Arrays.sort(secs[i]);
                int times = p.perStep(layers);
                count += times;
                double med = secs[i][rounds / 2], f = 2.0 * p.m * p.n * p.k;
                total += times * med;
                flops += times * f;
                System.out.printf("%-16s %5d x %5d x %5d %s%s  %8.1f us  %6.1f GFLOP/s%n", p.name, p.m, p.n, p.k,
                        p.transA ? "Aᵀ" : "A ", p.transB ? "Bᵀ" : "B ", med * 1e6, f / med * 1e-9);
            }
            System.out.printf("a %s's %d products (%d blocks' and the head's): %.2f ms, %.1f GFLOP/s%n",
                    promptRows > 0 ? "prompt pass" : "step", count, layers, total * 1e3, flops / total * 1e-9);
        }
    }

    /**
     * 200,000 operations on float vectors of that many bits: what another library's vector code leaves in the Vector
     * API's shared type profiles ({@code OtherVectorShapesTest} too).
     */
    public static void useOtherShape(int bits) {
        VectorSpecies<Float> other = VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        float[] x = new float[64], y = new float[64];
        for (int i = 0; i < 200_000; i++) {
            FloatVector v = FloatVector.fromArray(other, x, i & 31);
            v.add(1f).intoArray(y, (i + 3) & 31);
            y[0] += v.fma(v, v).reduceLanes(VectorOperators.ADD) * 1e-9f;
        }
    }

    /** rows (B·T), d_model, vocab, layers of a bench shape (shared/bench/configs.json). */
    public static int[] dims(String config) {
        return switch (config) {
            case "tiny" -> new int[] {16 * 64, 128, 512, 2};
            case "small" -> new int[] {8 * 128, 256, 8192, 4};
            case "gpt2-124M" -> new int[] {4 * 256, 768, 50257, 12};
            default -> throw new IllegalArgumentException("config: tiny, small or gpt2-124M, not " + config);
        };
    }

    /** A block's twelve products (qkv, attention projection, MLP up, MLP down), then the LM head's three. */
    public static Product[] products(int rows, int c, int v) {
        int[][] layers = {{c, 3 * c}, {c, c}, {c, 4 * c}, {4 * c, c}, {c, v}};
        String[] names = {"qkv", "attn-proj", "mlp-up", "mlp-down", "lm-head"};
        Product[] out = new Product[3 * layers.length];
        for (int l = 0; l < layers.length; l++) {
            int in = layers[l][0], o = layers[l][1];
            boolean bias = l < 4;
            out[3 * l] = new Product(names[l] + " fwd", rows, o, in, false, true, bias);
            out[3 * l + 1] = new Product(names[l] + " dX", rows, in, o, false, false, false);
            out[3 * l + 2] = new Product(names[l] + " dW", o, in, rows, true, false, false);
        }
        return out;
    }

    // a, b, c (and the bias)
    public static Storage[] operands(Backend b, Product p, int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return new Storage[] {b.upload(random(r, p.m * p.k)), b.upload(random(r, p.k * p.n)), b.allocate(p.m * p.n),
                b.upload(random(r, p.n))};
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(-1, 1);
        return x;
    }

    public static void run(Backend b, Product p, Storage[] o) {
        if (p.bias) b.linear(o[0], o[1], o[3], o[2], p.m, p.k, p.n);
        else b.matmul(o[0], o[1], o[2], 1, p.m, p.n, p.k, p.transA, p.transB, 0, 0, 0, 1f, false);
    }
}
