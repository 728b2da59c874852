package dev.kiln.backend.opencl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny GPT trained 3 steps (forward, backward, AdamW) on OpenCL matches the CPU backend. */
@Tag("gpu")
class TinyGptTrainingTest {
    static final int VOCAB = 13, BATCH = 2, LEN = 8, STEPS = 3;

    @Test
    void threeStepsMatchCpu() {
        try (OpenClBackend ocl = OpenClTestSupport.backendOrSkip(); Backend cpu = new CpuBackend(2)) {
            TransformerConfig cfg = TransformerConfig.gpt2(VOCAB, 16, 2, 4, 16);
            Run a = new Run(cpu, cfg), b = new Run(ocl, cfg);
            for (int step = 1; step <= STEPS; step++) {
                IntTensor[] batch = batch(step);
                float la = a.step(batch), lb = b.step(batch);
                assertEquals(la, lb, 1e-4 * Math.abs(la) + 1e-5, "loss at step " + step);
                System.out.printf("[opencl-test] step %d loss cpu %.6f opencl %.6f%n", step, la, lb);
            }
            Map<String, Tensor> pa = a.model.namedParameters(), pb = b.model.namedParameters();
            for (String name : pa.keySet()) {
                float[] x = pa.get(name).toArray(), y = pb.get(name).toArray();
                for (int i = 0; i < x.length; i++) {
                    assertTrue(Math.abs(x[i] - y[i]) <= 2e-4 + 1e-3 * Math.abs(x[i]),
                            name + "[" + i + "] after " + STEPS + " steps: cpu " + x[i] + ", opencl " + y[i]);
                }
            }
        }
    }

    static IntTensor[] batch(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[BATCH * LEN], targets = new int[BATCH * LEN];
        for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(VOCAB);
        for (int i = 0; i < ids.length; i++) targets[i] = (ids[i] + 1) % VOCAB;
        return new IntTensor[] {new IntTensor(ids, BATCH, LEN), new IntTensor(targets, BATCH, LEN)};
    }

    static final class Run {
        final Transformer model;
        final AdamW opt;

        Run(Backend be, TransformerConfig cfg) {
            model = new Transformer(be, cfg, 7);
            model.train(true);
            List<ParamGroup> groups = new ArrayList<>();
            model.namedParameters().forEach((n, t) -> groups.add(new ParamGroup(n, t, 1, ParamGroup.decays(n, t) ? 0.1 : 0)));
            opt = new AdamW(groups, 0.9, 0.95, 1e-8);
        }

        float step(IntTensor[] batch) {
            Tensor logits = model.logits(model.forward(ModelInput.of(batch[0])));
            Tensor loss = Losses.crossEntropy(logits, batch[1]);
            loss.backward();
            opt.step(1e-2);
            for (Tensor p : model.parameters()) p.zeroGrad();
            return loss.item();
        }
    }
}
