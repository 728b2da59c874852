package dev.kiln.runtime.hf;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.KVCache;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.sampling.PolicySampler;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.backend.cpu.CpuBackend;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Time per new token with and without the KV cache, for prompts of 16 / 64 / 256 tokens: a
 * benchmark, not a test. Each run feeds the prompt, then decodes {@code NEW} more tokens one at a time,
 * either appending one token to the cache or recomputing the whole context (what
 * {@code Generator.useCache(false)} does); only the decode steps are timed, median of 3.
 *
 * <pre>
 * java -cp ... dev.kiln.runtime.hf.KvCacheBenchmark [threads] [hf-model-dir | gpt2-124M]
 * </pre>
 * Without a directory it uses a random LLaMA-shaped and a random GPT-2-shaped model (d 256, 4 layers); {@code gpt2-124M}
 * is a random model of GPT-2's own size (V 50257, d 768, 12 layers), timed with the cache only, then batched sampling
 * as online RL draws its rollouts ({@link PolicySampler}: N rows of a 16-token prompt, 32 new tokens each).
 */
public final class KvCacheBenchmark {
    static final int NEW = 32, REPEATS = 3;
    static final int[] PROMPTS = {16, 64, 256};

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        Backend be = new CpuBackend(threads);
        System.out.printf(Locale.ROOT, "KV-cache benchmark: CpuBackend(%d threads), %d new tokens after the prompt, median of %d%n",
                threads, NEW, REPEATS);
        if (args.length > 1 && args[1].equals("gpt2-124M")) {
            Transformer gpt2 = new Transformer(be, TransformerConfig.gpt2(50257, 768, 12, 12, 1024), 1);
            run("gpt2-124M-shaped d768 L12 H12 ff3072 V50257", gpt2, false);
            rollouts(gpt2);
            return;
        }
        if (args.length > 1) {
            run("hf " + args[1], HfCheckpoints.load(Path.of(args[1]), be).model(), true);
            return;
        }
        run("llama-shaped d256 L4 H8/kv4 ff688 V2048", new Transformer(be, TransformerConfig.llama(2048, 256, 4, 8, 4, 688, 512), 1), true);
        run("gpt2-shaped  d256 L4 H4 ff1024 V2048", new Transformer(be, TransformerConfig.gpt2(2048, 256, 4, 4, 512), 1), true);
    }

    static void run(String name, Transformer model, boolean uncachedToo) {
        model.train(false);
        System.out.println(name);
        System.out.println("  prompt | cached ms/token | uncached ms/token | speed-up");
        measure(model, 16, true);  // warm-up (JIT, buffers)
        if (uncachedToo) measure(model, 16, false);
        for (int p : PROMPTS) {
            double cached = median(model, p, true);
            if (!uncachedToo) {
                System.out.printf(Locale.ROOT, "  %6d | %15.2f |                 — |       —%n", p, cached);
                continue;
            }
            double full = median(model, p, false);
            System.out.printf(Locale.ROOT, "  %6d | %15.2f | %17.2f | %7.1fx%n", p, cached, full, full / cached);
        }
    }

    /** Sampled tokens/s of {@link PolicySampler} drawing N completions at once (the prompt pass included), median of 3. */
    static void rollouts(Transformer model) {
        int vocab = model.config().vocab();
        PolicySampler sampler = new PolicySampler(new PolicySampler.Settings(false, 1.0, 0, 1.0, NEW), new int[] {-1}, vocab);
        System.out.println("  rows | sampled tokens/s (" + NEW + " new tokens a row after a 16-token prompt)");
        for (int rows : new int[] {1, 8, 16}) {
            Random r = new Random(rows);
            int[][] prompts = new int[rows][16];
            for (int[] p : prompts) for (int i = 0; i < p.length; i++) p[i] = r.nextInt(vocab);
            sampler.sample(model, prompts, 0);                                  // warm-up
            double[] ms = new double[REPEATS];
            for (int i = 0; i < REPEATS; i++) {
                long t0 = System.nanoTime();
                sampler.sample(model, prompts, i + 1);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf(Locale.ROOT, "  %4d | %6.1f%n", rows, rows * NEW * 1000.0 / ms[REPEATS / 2]);
        }
    }

    static double median(Transformer model, int prompt, boolean cache) {
        double[] t = new double[REPEATS];
        for (int i = 0; i < REPEATS; i++) t[i] = measure(model, prompt, cache);
        Arrays.sort(t);
        return t[REPEATS / 2];
    }

    /** ms per decoded token after a prompt of {@code prompt} random ids. */
    static double measure(Transformer model, int prompt, boolean useCache) {
        int vocab = model.config().vocab();
        Random r = new Random(prompt);
        int[] context = new int[prompt + NEW + 1];
        for (int i = 0; i < prompt; i++) context[i] = r.nextInt(vocab);
        try (var g = GradMode.noGrad()) {
            KVCache cache = useCache ? new KVCache(model.config().layers()) : null;
            int length = prompt;    // untimed: the prompt pass (fills the cache), giving the first new token
            context[length++] = argmax(lastLogits(model, Arrays.copyOf(context, prompt), cache));
            long t0 = System.nanoTime();
            for (int step = 0; step < NEW; step++) {
                float[] logits = useCache
                        ? lastLogits(model, new int[] {context[length - 1]}, cache)
                        : lastLogits(model, Arrays.copyOf(context, length), null);
                context[length++] = argmax(logits);
            }
            return (System.nanoTime() - t0) / 1e6 / NEW;
        }
    }

    private static float[] lastLogits(Transformer model, int[] ids, KVCache cache) {
        ModelInput in = ModelInput.of(new IntTensor(ids, 1, ids.length));
        if (cache != null) in = in.withCache(cache);
        Tensor hidden = model.forward(in);                                   // [1, t, C]
        return model.logits(Shapes.slice(hidden, 1, ids.length - 1, ids.length)).toArray();
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
