package dev.kiln.cli;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.KVCache;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.sampling.PolicySampler;
import dev.kiln.api.tensor.IntTensor;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code kiln bench --generate}: batched, KV-cached sampling as online RL draws its rollouts ({@link PolicySampler}:
 * N rows of a random P-token prompt as one [N, P] batch, then N new tokens a step, each drawn from the softmax of the
 * last position at temperature 1, no end-of-sequence id), on a random model of a bench shape; {@code
 * bench/torch_generate.py} runs the same in PyTorch. Per row count: sampled tokens/s (N · new tokens over the whole
 * rollout, the prompt pass included; the median of the timed rollouts), the rollout's ms, the prompt pass's ms (timed
 * apart, on the same prompts, right before each rollout) and what is left per decode step.
 */
final class GenerateBench {
    /** @param warmup untimed rollouts first, per row count (as training's warm-up: counts, seconds, a quiet JIT) */
    record Settings(List<Integer> rows, int prompt, int newTokens, BenchRunner.Warmup warmup, int rollouts, long seed) {
        Settings {
            if (rows.isEmpty() || rows.stream().anyMatch(r -> r == null || r < 1))
                throw new IllegalArgumentException("--rows must list row counts of at least 1, got " + rows);
            if (prompt < 1 || newTokens < 2) throw new IllegalArgumentException("--prompt must be >= 1 and --new-tokens >= 2, got "
                    + prompt + " and " + newTokens);
            if (warmup.steps() < 0 || rollouts < 1) throw new IllegalArgumentException("--warmup must be >= 0 and --rollouts >= 1");
        }
    }

    private final Backend backend;
    private final Settings settings;
    private final PrintWriter err;

    GenerateBench(Backend backend, Settings settings, PrintWriter err) {
        this.backend = backend;
        this.settings = settings;
        this.err = err;
    }

    /** One result per row count, in --rows order. */
    List<Map<String, Object>> run(BenchShape shape) {
        if (settings.prompt() + settings.newTokens() > shape.seq())
            throw new IllegalArgumentException("--prompt " + settings.prompt() + " plus --new-tokens " + settings.newTokens()
                    + " exceeds " + shape.name() + "'s " + shape.seq() + " positions (--seq raises it)");
        Transformer model = new Transformer(backend, shape.modelConfig(), settings.seed());
        model.train(false);
        int vocab = shape.vocab();
        PolicySampler sampler = new PolicySampler(new PolicySampler.Settings(false, 1.0, 0, 1.0, settings.newTokens()), new int[0], vocab);
        List<Map<String, Object>> out = new ArrayList<>();
        for (int rows : settings.rows()) {
            err.println("  " + shape.name() + ": " + rows + " row" + (rows == 1 ? "" : "s") + ", " + settings.warmup().plan("rollouts")
                    + " + " + settings.rollouts() + " timed rollouts of " + settings.newTokens() + " new tokens after " + settings.prompt());
            err.flush();
            SplittableRandom rng = new SplittableRandom(settings.seed() + rows);
            double[] total = new double[settings.rollouts()], prompt = new double[settings.rollouts()];
            WarmupProgress warmup = new WarmupProgress(settings.warmup());
            for (int i = 0, timed = 0; timed < settings.rollouts(); i++) {
                boolean warming = warmup.warming(i);
                int[][] prompts = new int[rows][settings.prompt()];
                for (int[] p : prompts) for (int t = 0; t < p.length; t++) p[t] = rng.nextInt(vocab);
                long t0 = System.nanoTime();
                promptPass(model, prompts);
                long t1 = System.nanoTime();
                PolicySampler.Samples s = sampler.sample(model, prompts, settings.seed() + i);
                long t2 = System.nanoTime();
                warmup.stepEnded(i, warming);
                if (Arrays.stream(s.completions()).anyMatch(c -> c.length != settings.newTokens()))
                    throw new IllegalStateException("a rollout stopped short of " + settings.newTokens() + " tokens");
                if (!warming) {
                    prompt[timed] = (t1 - t0) / 1e6;
                    total[timed++] = (t2 - t1) / 1e6;
                }
            }
            double rolloutMs = BenchRunner.median(total), promptMs = BenchRunner.median(prompt);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rows", rows);
            r.put("prompt", settings.prompt());
            r.put("new_tokens", settings.newTokens());
            r.put("rollouts", settings.rollouts());
            r.put("warmup_rollouts", warmup.steps());
            warmup.put(r, "");
            r.put("sampled_tok_s", BenchRunner.round(rows * settings.newTokens() * 1000.0 / rolloutMs, 1));
            r.put("rollout_ms", BenchRunner.round(rolloutMs, 2));
            r.put("prompt_ms", BenchRunner.round(promptMs, 2));
            r.put("decode_step_ms", BenchRunner.round((rolloutMs - promptMs) / (settings.newTokens() - 1), 2));
            out.add(r);
        }
        return out;
    }

    // the rollout's first pass alone: the prompts into a fresh cache, the last position's logits
    private static void promptPass(Transformer model, int[][] prompts) {
        int n = prompts.length, p = prompts[0].length;
        int[] ids = new int[n * p];
        for (int r = 0; r < n; r++) System.arraycopy(prompts[r], 0, ids, r * p, p);
        try (var g = GradMode.noGrad()) {
            var hidden = model.forward(ModelInput.of(new IntTensor(ids, n, p)).withCache(new KVCache(model.config().layers())));
            model.logits(Shapes.slice(hidden, 1, p - 1, p)).toArray();
        }
    }
}
