package dev.kiln.backend.opencl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPT-2 124M (vocabulary 50,257, width 768, 12 layers, 12 heads) trained 3 steps (forward, backward,
 * AdamW) on OpenCL gives the CPU backend's losses. Its ≈ 2 GB of weights, gradients and moments take
 * more than one of the arena's 1 GiB device buffers, so this is the multi-buffer path at full size. A
 * batch of one 16-token row keeps it to about a minute on pocl; it runs in its own JVM (pom.xml).
 */
@Tag("gpu")
class Gpt2TrainingTest {
    static final int VOCAB = 50_257, LEN = 16, STEPS = 3;

    @Test
    void threeStepsOfGpt2SmallMatchCpu() {
        TransformerConfig cfg = TransformerConfig.gpt2(VOCAB, 768, 12, 12, LEN);
        float[] cpuLosses = new float[STEPS];
        try (Backend cpu = new CpuBackend(2)) {
            TinyGptTrainingTest.Run run = new TinyGptTrainingTest.Run(cpu, cfg);
            for (int step = 1; step <= STEPS; step++) cpuLosses[step - 1] = run.step(batch(step));
        }
        try (OpenClBackend ocl = new OpenClBackend(OpenClTestSupport.deviceOrSkip(), 64, 8192)) {
            TinyGptTrainingTest.Run run = new TinyGptTrainingTest.Run(ocl, cfg);
            for (int step = 1; step <= STEPS; step++) {
                float l = run.step(batch(step)), want = cpuLosses[step - 1];
                System.out.printf("[opencl-test] gpt2-124M step %d loss cpu %.6f opencl %.6f (%s)%n", step, want, l, ocl.description());
                assertEquals(want, l, 1e-4 * Math.abs(want), "loss at step " + step);
            }
            assertTrue(ocl.arenaBuffers() >= 2, "GPT-2 124M's training state should need more than one 1 GiB buffer: " + ocl.description());
        }
    }

    static IntTensor[] batch(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[LEN], targets = new int[LEN];
        for (int i = 0; i < LEN; i++) ids[i] = r.nextInt(VOCAB);
        for (int i = 0; i < LEN; i++) targets[i] = r.nextInt(VOCAB);
        return new IntTensor[] {new IntTensor(ids, 1, LEN), new IntTensor(targets, 1, LEN)};
    }
}
