package dev.kiln.backend.cpu.bench;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.backend.cpu.CpuBackend;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The cross-entropy op, forward + backward, as the LM objectives call it ({@link Losses#crossEntropy}: one
 * logsumexp per row kept, softmax recomputed in backward) against the reference that keeps the [rows, V]
 * log-probabilities ({@link Losses#crossEntropySavingLogProbs}):
 * {@code java --add-modules jdk.incubator.vector -cp ... CrossEntropyBench [threads] [rows] [vocab] [reps]}.
 * Prints the median seconds of forward + backward and the bytes the calling thread allocated in one
 * forward + backward (the logits gradient [rows, V] included, which both need), in alternating runs.
 */
public final class CrossEntropyBench {
    private CrossEntropyBench() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int vocab = args.length > 2 ? Integer.parseInt(args[2]) : 50257;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        float[] x = new float[rows * vocab];
        int[] t = new int[rows];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble(-8, 8);
        for (int i = 0; i < rows; i++) t[i] = r.nextInt(vocab);
        IntTensor targets = new IntTensor(t, rows);
        try (Backend b = new CpuBackend(threads)) {
            System.out.println(b.description() + "; rows " + rows + ", vocab " + vocab);
            Tensor logits = Tensor.of(b, x, rows, vocab);
            double[][] secs = new double[2][reps];
            long[] bytes = new long[2];
            for (int i = 0; i < 3; i++) for (int m = 0; m < 2; m++) step(logits, targets, m == 1);   // warm-up
            for (int i = 0; i < reps; i++) {
                for (int m = 0; m < 2; m++) {
                    long a0 = allocated(), t0 = System.nanoTime();
                    step(logits, targets, m == 1);
                    secs[m][i] = (System.nanoTime() - t0) * 1e-9;
                    bytes[m] = allocated() - a0;
                }
            }
            String[] names = {"lse per row (Losses.crossEntropy)", "log-probs saved (reference)"};
            for (int m = 0; m < 2; m++) {
                Arrays.sort(secs[m]);
                System.out.printf("%-36s %8.4f s/step (median of %d)  %,15d bytes allocated per step%n",
                        names[m], secs[m][reps / 2], reps, bytes[m]);
            }
        }
    }

    private static void step(Tensor logits, IntTensor targets, boolean reference) {
        logits.requiresGrad(true);
        logits.zeroGrad();
        Tensor loss = reference ? Losses.crossEntropySavingLogProbs(logits, targets, Losses.IGNORE, 0f)
                : Losses.crossEntropy(logits, targets, Losses.IGNORE, 0f);
        loss.backward();
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
