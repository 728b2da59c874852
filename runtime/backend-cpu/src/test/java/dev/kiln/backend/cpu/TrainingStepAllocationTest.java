package dev.kiln.backend.cpu;

import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.RequiredInCi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13, "a step after the first allocates nothing proportional to the model or the batch", on the
 * default backend, counted by the JVM (every thread, the backend's workers included): the first step of
 * a GPT-2- or LLaMA-shaped model allocates its activations, gradients and optimizer state; once the JIT
 * has compiled the kernels, a step allocates only the per-op objects (tensors, closures, the tape),
 * which do not grow with the batch. A model 4× wider and a batch 4× larger must not raise it.
 */
class TrainingStepAllocationTest {
    @ParameterizedTest(name = "{0}, checkpointing {1}")
    @CsvSource({"gpt2, false", "gpt2, true", "llama, false", "llama, true"})
    void laterStepsAllocateOnlyBookkeeping(String kind, boolean checkpointing) {
        RequiredInCi.require(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM does not count allocated bytes per thread");
        steps(kind, checkpointing, 64, 2);                   // the JIT compiles the kernels
        long[] small = steps(kind, checkpointing, 64, 2), large = steps(kind, checkpointing, 256, 8);
        // small[0], large[0]: the first step (fills the pool); [1]: the least a later step allocated
        assertTrue(large[0] > 20_000_000, "the larger model's first step allocates its arrays: " + large[0]);
        assertTrue(large[1] < large[0] / 20, "a later step allocated " + large[1] + " bytes; the first " + large[0]);
        // 16x the activations and 16x the weights: anything proportional to either would grow 16x
        assertTrue(large[1] < 4 * small[1], "a later step of the larger run allocated " + large[1]
                + " bytes against " + small[1] + ": something grows with the model or the batch");
    }

    /** {first step's bytes, the fewest bytes of the later steps} for a model of width c at batch b, seq 64. */
    private static long[] steps(String kind, boolean checkpointing, int c, int b) {
        try (CpuBackend be = new CpuBackend(2)) {         // a pool of its own: nothing left by another run
            return steps(be, kind, checkpointing, c, b);
        }
    }

    private static long[] steps(CpuBackend be, String kind, boolean checkpointing, int c, int b) {
        int vocab = 512, seq = 64, layers = 2, heads = 4;
        TransformerConfig cfg = kind.equals("llama") ? TransformerConfig.llama(vocab, c, layers, heads, 2, 3 * c, seq)
                : TransformerConfig.gpt2(vocab, c, layers, heads, seq);
        Transformer model = new Transformer(be, cfg.toBuilder().dropout(0.1f).build(), 1);
        model.setGradientCheckpointing(checkpointing);
        List<ParamGroup> groups = new ArrayList<>();
        model.namedParameters().forEach((k, p) -> groups.add(new ParamGroup(k, p, 1, 0.01)));
        AdamW opt = new AdamW(groups, 0.9, 0.999, 1e-8);
        SplittableRandom rng = new SplittableRandom(7);
        long first = -1, least = Long.MAX_VALUE;
        for (int s = 0; s < 30; s++) {
            int[] ids = new int[b * seq], targets = new int[b * seq];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rng.nextInt(vocab);
                targets[i] = rng.nextInt(vocab);
            }
            long before = allocated();
            model.setDropoutSeed(s);
            Tensor loss = Losses.crossEntropy(model.logits(model.forward(ModelInput.of(new IntTensor(ids, b, seq)))),
                    new IntTensor(targets, b, seq));                                      // [B, T, V] → [1]
            loss.backward();
            opt.step(1e-4);
            for (Tensor p : model.parameters()) p.zeroGrad();
            long bytes = allocated() - before;
            if (s == 0) first = bytes;
            else if (s >= 10) least = Math.min(least, bytes);      // after the JIT has compiled the kernels
        }
        return new long[] {first, least};
    }

    /** Bytes allocated so far by every live thread. */
    private static long allocated() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long v : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) if (v > 0) sum += v;
        return sum;
    }
}
