package dev.kiln.backend.opencl.bench;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.backend.cpu.bench.StepProductsBench;
import dev.kiln.backend.cpu.bench.StepProductsBench.Product;
import dev.kiln.backend.opencl.kernel.MatmulTiling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The matmul kernel's tilings compared on one OpenCL device, on the products a training step of a bench shape
 * makes (StepProductsBench's: each block's qkv, attention projection and MLP layers, forward and both gradients,
 * and the tied LM head's): for each tiling, a step's products one after another on the device, the median of
 * ROUNDS rounds. Usage: {@code MatmulTilingsBench [device|-] [tiny|small|gpt2-124M] [perItem,group,depth ...]};
 * without tilings, a set around the default. The fastest is what {@value MatmulTiling#ENV} (or the backend's
 * {@code matmul_tiling}) should select on that device. A tiling that fails on the device, or whose first product
 * differs from the first tiling's, is reported and left out of the choice.
 */
public final class MatmulTilingsBench {
    private MatmulTilingsBench() {}

    static final String[] SWEEP = {"4,16,16", "4,16,8", "4,16,32", "8,16,8", "8,16,16", "8,8,16", "4,8,16", "2,16,16"};
    static final int ROUNDS = 5;

    public static void main(String[] args) {
        String deviceArg = BenchBackends.device(args);
        String config = args.length > 1 ? args[1] : "gpt2-124M";
        List<MatmulTiling> tilings = new ArrayList<>();
        for (String t : args.length > 2 ? Arrays.copyOfRange(args, 2, args.length) : SWEEP) tilings.add(MatmulTiling.parse(t, "tiling"));
        int[] dims = StepProductsBench.dims(config);
        Product[] products = StepProductsBench.products(dims[0], dims[1], dims[2]);
        System.out.println(config + "'s step products, median of " + ROUNDS + " rounds");
        double flops = 0;
        for (Product p : products) flops += p.perStep(dims[3]) * 2.0 * p.m() * p.n() * p.k();
        MatmulTiling best = null;
        double bestMs = Double.MAX_VALUE;
        float[] reference = null;
        for (MatmulTiling t : tilings) {
            Timed r;
            try {
                r = stepMs(deviceArg, t, products, dims[3], reference == null);
            } catch (RuntimeException e) {
                System.out.printf("tiling %-8s  failed on the device: %s%n", t, e.getMessage());
                continue;
            }
            String wrong = reference == null ? null : differs(reference, r.firstProduct());
            System.out.printf("tiling %-8s  %9.2f ms a step's products  %9.1f GFLOP/s%s%n", t, r.ms(), flops / r.ms() * 1e-6,
                    wrong == null ? "" : "  WRONG (" + wrong + "), left out");
            if (reference == null) reference = r.firstProduct();
            if (wrong == null && r.ms() < bestMs) {
                bestMs = r.ms();
                best = t;
            }
        }
        if (best == null) System.out.println("fastest: none (every tiling failed or was wrong)");
        else System.out.println("fastest: " + best + (best.equals(MatmulTiling.DEFAULT) ? " (the default)"
                : " (" + MatmulTiling.ENV + "=" + best + " selects it)"));
    }

    /** A tiling's median ms for a step's products, and the first product's result. */
    record Timed(double ms, float[] firstProduct) {}

    /** Where got is not the reference within float rounding of a long dot product, the first such element; else null. */
    static String differs(float[] reference, float[] got) {
        for (int i = 0; i < reference.length; i++) {
            if (!(Math.abs(got[i] - reference[i]) <= 1e-3f * (1 + Math.abs(reference[i]))))
                return "element " + i + ": " + got[i] + " against " + reference[i];
        }
        return null;
    }

    // every product of a step once per round, each drained before the next: the median round's ms
    private static Timed stepMs(String device, MatmulTiling tiling, Product[] products, int layers, boolean describe) {
        try (Backend be = BenchBackends.open(device, Map.of("matmul_tiling", tiling.toString()))) {
            if (describe) System.out.println(be.description().replace("; matmul tiling " + tiling, ""));
            Storage[][] operands = new Storage[products.length][];
            for (int i = 0; i < products.length; i++) operands[i] = StepProductsBench.operands(be, products[i], i);
            for (int i = 0; i < products.length; i++) StepProductsBench.run(be, products[i], operands[i]);   // warm-up
            be.synchronize();
            double[] rounds = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                double ms = 0;
                for (int i = 0; i < products.length; i++) {
                    long t0 = System.nanoTime();
                    StepProductsBench.run(be, products[i], operands[i]);
                    be.synchronize();
                    ms += products[i].perStep(layers) * (System.nanoTime() - t0) * 1e-6;
                }
                rounds[r] = ms;
            }
            Arrays.sort(rounds);
            return new Timed(rounds[ROUNDS / 2], be.download(operands[0][2]));
        }
    }
}
