package dev.kiln.cli;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.runtime.metrics.OpProfile;
import dev.kiln.runtime.parallel.ShardedOptimizer;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * Measures one {@link BenchShape} the way {@code torch_bench.py} does: training steps (forward with
 * cross-entropy over every position, backward, AdamW lr 3e-4 betas 0.9/0.95 wd 0.1 on every
 * parameter as torch's {@code AdamW(model.parameters())} does, gradients cleared) on random token
 * batches, then forward-only passes under no-grad in eval mode. Statistics over the timed steps
 * after warm-up; the result map uses torch_bench's JSON keys so the lead can compute ratios.
 */
final class BenchRunner {
    static final double LR = 3e-4;
    /** Core-to-core round trips per probe, and the probe's time limit (about 1.4 ms at 70 ns, 20 ms at most). */
    private static final int ROUND_TRIPS = 20_000;
    private static final long ROUND_TRIP_BUDGET_NANOS = 20_000_000L;

    /**
     * @param warmup      untimed training steps before the timed ones
     * @param inferWarmup untimed forward passes before the timed ones
     * @param stepTimes   print each step's and pass's time (warm-up included) to the progress stream
     */
    record Settings(Warmup warmup, int steps, Warmup inferWarmup, int inferSteps, boolean infer, long seed, boolean stepTimes) {}

    /**
     * At least {@code steps} untimed steps, and more until {@code seconds} have passed since the first ended (0: exactly
     * {@code steps}), and then more while the JIT compilers used over {@code quietMillis} ms of CPU in the last
     * second ({@link JitActivity}), up to {@code maxSeconds} after the first (quietMillis 0: no such condition).
     * HotSpot moves a method to C2 by its call and loop counts, so a shape whose steps take milliseconds runs tens to
     * hundreds of them before its steady speed, and a compile running in the background takes one of the cores from
     * the timed steps (tiny, 2 cores: compiling goes on for 10-20 s). Counted from the end of the first step, which
     * loads classes and runs mostly interpreted (1-3 s on tiny, depending on the host's load).
     */
    record Warmup(int steps, double seconds, long quietMillis, double maxSeconds) {
        static Warmup exactly(int steps) { return new Warmup(steps, 0, 0, 0); }

        /**
         * Whether step {@code i} (from 0) is still warm-up, given it was so far, the first step ended at
         * {@code firstEnd}, and the compilers' activity.
         */
        boolean warming(int i, long firstEnd, JitActivity jit) {
            if (i < steps) return true;
            double elapsed = (System.nanoTime() - firstEnd) / 1e9;
            if (elapsed < seconds) return true;
            return !jitQuiet(jit) && elapsed < maxSeconds;
        }

        /** Whether the compilers count as quiet now (always, without the condition or where the JVM does not report). */
        boolean jitQuiet(JitActivity jit) {
            if (quietMillis <= 0 || !jit.measurable()) return true;
            long recent = jit.recentMillis();
            return recent >= 0 && recent <= quietMillis;
        }

        String plan(String unit) {
            if (seconds <= 0 && quietMillis <= 0) return steps + " warm-up";
            String plan = String.format(Locale.ROOT, "warm-up (%d %s, and %.1f s after the first, at least",
                    steps, unit, seconds);
            if (quietMillis <= 0) return plan + ")";
            return plan + String.format(Locale.ROOT, "; then until the JIT compiles under %d ms a second, %.0f s at most)",
                    quietMillis, maxSeconds);
        }
    }

    private final Backend backend;
    private final Settings settings;
    private final PrintWriter progress;
    private final boolean terminal;
    private final BenchReplica replica;   // null: the whole batch on this backend
    private final OpProfile ops;          // null: ops not timed one by one

    /**
     * @param terminal redraw one progress line; otherwise print one line per phase
     * @param ops      null, or the profile {@code backend} records into ({@link OpProfile#wrap}): the timed steps' and
     *                 passes' ops are recorded, phase by phase, into the result's "ops"
     */
    BenchRunner(Backend backend, Settings settings, PrintWriter progress, boolean terminal, OpProfile ops) {
        this(backend, settings, progress, terminal, null, ops);
    }

    /** As one of {@code --replicas}' replicas: its rows of every batch, gradients summed with the others. */
    BenchRunner(Backend backend, Settings settings, PrintWriter progress, boolean terminal, BenchReplica replica) {
        this(backend, settings, progress, terminal, replica, null);
    }

    private BenchRunner(Backend backend, Settings settings, PrintWriter progress, boolean terminal, BenchReplica replica,
                        OpProfile ops) {
        this.backend = backend;
        this.settings = settings;
        this.progress = progress;
        this.terminal = terminal;
        this.replica = replica;
        this.ops = ops;
    }

    Map<String, Object> run(BenchShape shape) {
        if (ops != null) {   // the timed steps' and passes' ops only
            ops.recording(false);
            ops.clear();
        }
        Transformer model = new Transformer(backend, shape.modelConfig(), settings.seed());
        List<ParamGroup> groups = new ArrayList<>();
        model.namedParameters().forEach((name, p) -> groups.add(new ParamGroup(name, p, 1.0, 0.1)));
        Optimizer opt = replica == null ? new AdamW(groups, 0.9, 0.95, 1e-8) : replica.optimizer(groups, own -> new AdamW(own, 0.9, 0.95, 1e-8));
        List<Tensor> params = model.parameters();
        SplittableRandom rng = new SplittableRandom(settings.seed());
        long nParams = model.parameterCount();
        long nMatmul = nParams - (long) shape.seq() * shape.dModel();          // position embeddings cost no FLOPs
        long attnTrain = 12L * shape.layers() * shape.dModel() * shape.seq();  // QK^T and AV, fwd + bwd, full T×T
        long flopsTrain = 6 * nMatmul + attnTrain, flopsInfer = 2 * nMatmul + attnTrain / 3;

        model.train(true);
        List<Double> losses = new ArrayList<>();
        OptionalDouble roundTripBefore = OptionalDouble.empty();
        double[][] timed = new double[settings.steps()][];
        String plan = shape.name() + ": " + settings.warmup().plan("steps") + " + " + settings.steps() + " timed training steps";
        WarmupProgress warmup = new WarmupProgress(settings.warmup());
        for (int i = 0; i - warmup.steps() < settings.steps(); i++) {
            boolean warming = replica == null ? warmup.warming(i) : replica.warming(warmup, i);
            int warm = warmup.steps();
            // the probe needs both cores to itself: not while other replicas compute
            if (!warming && i == warm && replica == null) roundTripBefore = CoreRoundTrip.nanos(ROUND_TRIPS, ROUND_TRIP_BUDGET_NANOS);
            if (ops != null) ops.recording(!warming);
            double[] t = trainStep(model, opt, params, shape, rng, losses);
            if (ops != null) ops.recording(false);
            warmup.stepEnded(i, warming);
            if (!warming) timed[i - warm] = t;
            status(i == 0, shape.name() + ": train step " + (i + 1) + (warming ? " (warm-up)" : " (timed " + (i - warm + 1) + "/"
                    + settings.steps() + ")"), plan);
            if (settings.stepTimes())
                stepTime(String.format(Locale.ROOT, "%s: train step %d %s: forward %.2f ms, backward %.2f ms, optimizer %.2f ms%s",
                        shape.name(), i + 1, warming ? "(warm-up)" : "(timed)", 1e3 * t[0], 1e3 * t[1], 1e3 * t[2],
                        warmup.jitNote(warming)));
        }
        OptionalDouble roundTripAfter = replica == null ? CoreRoundTrip.nanos(ROUND_TRIPS, ROUND_TRIP_BUDGET_NANOS) : OptionalDouble.empty();
        double[] tokS = new double[timed.length], stepS = new double[timed.length];
        for (int i = 0; i < timed.length; i++) {
            stepS[i] = timed[i][0] + timed[i][1] + timed[i][2];
            tokS[i] = shape.tokensPerStep() / stepS[i];
        }
        Map<String, Object> r = new LinkedHashMap<>();
        shape.putDimensions(r);
        r.put("params", nParams);
        r.put("params_no_wpe", nMatmul);
        r.put("flops_per_token_train", flopsTrain);
        r.put("flops_per_token_infer", flopsInfer);
        r.put("train_steps", settings.steps());
        r.put("warmup_steps", warmup.steps());
        warmup.put(r, "");
        r.put("train_tok_s_min", round(min(tokS), 1));
        r.put("train_tok_s_med", round(median(tokS), 1));
        r.put("train_tok_s_max", round(max(tokS), 1));
        r.put("train_step_ms_med", round(1e3 * median(stepS), 2));
        r.put("fwd_ms_med", round(1e3 * median(column(timed, 0)), 2));
        r.put("bwd_ms_med", round(1e3 * median(column(timed, 1)), 2));
        r.put("opt_ms_med", round(1e3 * median(column(timed, 2)), 2));
        r.put("train_gflops_med", round(flopsTrain * median(tokS) / 1e9, 2));
        // which of the host's two states the timed steps met (CoreRoundTrip): right before the first and after the last
        roundTripBefore.ifPresent(ns -> r.put("core_round_trip_ns_before", round(ns, 0)));
        roundTripAfter.ifPresent(ns -> r.put("core_round_trip_ns_after", round(ns, 0)));
        r.put("loss_first", round(losses.get(0), 4));
        r.put("loss_last", round(losses.get(losses.size() - 1), 4));
        r.put("ln_V", round(Math.log(shape.vocab()), 4));
        Passes passes = settings.infer() ? infer(model, shape, rng) : null;
        if (passes != null) {
            double[] it = passes.tokS();
            r.put("infer_warmup_passes", passes.warmup().steps());
            passes.warmup().put(r, "infer_");
            r.put("infer_tok_s_min", round(min(it), 1));
            r.put("infer_tok_s_med", round(median(it), 1));
            r.put("infer_tok_s_max", round(max(it), 1));
            r.put("infer_gflops_med", round(flopsInfer * median(it) / 1e9, 2));
        }
        if (ops != null) {
            Map<String, Double> phaseMs = new LinkedHashMap<>();   // each phase's mean time a step, beside its ops
            String[] phases = {"forward", "backward", "optimizer"};
            for (int c = 0; c < phases.length; c++) phaseMs.put(phases[c], round(1e3 * Arrays.stream(column(timed, c)).average().orElse(0), 3));
            if (passes != null)
                phaseMs.put("forward-only", round(1e3 * Arrays.stream(passes.tokS()).map(x -> shape.tokensPerStep() / x).average().orElse(0), 3));
            r.put("op_phase_ms", phaseMs);
            r.put("ops", OpTable.rows(ops.ops(), phase -> phase.equals("forward-only") ? settings.inferSteps() : settings.steps()));
            ops.clear();
        }
        if (terminal) progress.print("\r" + " ".repeat(72) + "\r");
        progress.flush();
        return r;
    }

    /** One step; returns {forward, backward, optimizer} seconds. */
    private double[] trainStep(Transformer model, Optimizer opt, List<Tensor> params, BenchShape s, SplittableRandom rng,
                               List<Double> losses) {
        int[][] batch = batch(s, rng);
        IntTensor in = rowsOf(batch[0], s), target = rowsOf(batch[1], s);
        phase("forward");
        long t0 = System.nanoTime();
        Tensor hidden = model.forward(ModelInput.of(in));                  // [B, T, C]
        Tensor loss = Losses.crossEntropy(model.logits(hidden), target);   // [B, T, V] → [1]
        double value = loss.item();
        long t1 = System.nanoTime();
        phase("backward");
        if (replica == null) loss.backward();
        else Arithmetic.mulScalar(loss, 1f / replica.world()).backward();   // the replicas' sum is the whole batch's mean
        backend.synchronize();                                             // an asynchronous backend's queue, drained per phase
        if (replica != null) value = replica.sum(params, value / replica.world(), (ShardedOptimizer) opt);
        long t2 = System.nanoTime();
        phase("optimizer");
        opt.step(LR);
        for (Tensor p : params) p.zeroGrad();
        backend.synchronize();
        long t3 = System.nanoTime();
        losses.add(value);
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9};
    }

    /** Tokens/s of each timed pass, and the warm-up that ran before them. */
    private record Passes(double[] tokS, WarmupProgress warmup) {}

    /** Forward-only tokens/s of the timed passes (logits for every position, no grad, eval mode). */
    private Passes infer(Transformer model, BenchShape s, SplittableRandom rng) {
        double[] tokS = new double[settings.inferSteps()];
        String plan = s.name() + ": " + settings.inferWarmup().plan("passes") + " + " + settings.inferSteps() + " timed forward passes";
        model.train(false);
        try (var g = GradMode.noGrad()) {
            WarmupProgress warmup = new WarmupProgress(settings.inferWarmup());
            for (int i = 0; i - warmup.steps() < settings.inferSteps(); i++) {
                boolean warming = replica == null ? warmup.warming(i) : replica.warming(warmup, i);
                int warm = warmup.steps();
                IntTensor in = rowsOf(batch(s, rng)[0], s);
                phase("forward-only");
                if (ops != null) ops.recording(!warming);
                long t0 = System.nanoTime();
                Tensor hidden = model.forward(ModelInput.of(in));                      // [B, T, C]
                Tensor logits = model.logits(hidden);                                   // [B, T, V]
                backend.synchronize();
                if (replica != null) replica.await();
                double dt = (System.nanoTime() - t0) / 1e9;
                if (ops != null) ops.recording(false);
                hidden.releaseStorage();   // as PyTorch frees the last pass's tensors: the pool reuses them, no fresh array
                logits.releaseStorage();
                warmup.stepEnded(i, warming);
                if (!warming) tokS[i - warm] = s.tokensPerStep() / dt;
                status(i == 0, s.name() + ": forward pass " + (i + 1) + (warming ? " (warm-up)" : " (timed " + (i - warm + 1) + "/"
                        + settings.inferSteps() + ")"), plan);
                if (settings.stepTimes())
                    stepTime(String.format(Locale.ROOT, "%s: forward pass %d %s: %.2f ms%s",
                            s.name(), i + 1, warming ? "(warm-up)" : "(timed)", 1e3 * dt, warmup.jitNote(warming)));
            }
            return new Passes(tokS, warmup);
        } finally {
            model.train(true);
        }
    }

    private void phase(String name) {
        if (ops != null) ops.phase(name);
    }

    /** One line of --step-times, below the progress line on a terminal. */
    private void stepTime(String line) {
        progress.println((terminal ? "\r" + " ".repeat(72) + "\r" : "") + "  " + line);
        progress.flush();
    }

    /** On a terminal, redraws {@code redraw}; elsewhere prints {@code line} once, at the first call of a phase. */
    private void status(boolean first, String redraw, String line) {
        if (terminal) {
            String text = "  " + redraw;
            progress.print("\r" + text + " ".repeat(Math.max(0, 72 - text.length())));
        } else if (first) {
            progress.println("  " + line);
        }
        progress.flush();
    }

    /** The rows of a [B, T] batch this runner trains on: all, or its replica's. */
    private IntTensor rowsOf(int[] ids, BenchShape s) {
        if (replica == null) return new IntTensor(ids, s.batch(), s.seq());
        return new IntTensor(replica.rows(ids, s.seq()), s.batch() / replica.world(), s.seq());
    }

    /** Random ids [B, T+1] split into inputs [B, T] and next-token targets [B, T]. */
    private static int[][] batch(BenchShape s, SplittableRandom rng) {
        int[] in = new int[s.batch() * s.seq()], target = new int[in.length];
        for (int b = 0; b < s.batch(); b++) {
            int prev = rng.nextInt(s.vocab());
            for (int t = 0; t < s.seq(); t++) {
                int next = rng.nextInt(s.vocab());
                in[b * s.seq() + t] = prev;
                target[b * s.seq() + t] = next;
                prev = next;
            }
        }
        return new int[][] {in, target};
    }

    static double median(double[] x) {
        if (x.length == 0) return Double.NaN;
        double[] c = x.clone();
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }

    private static double min(double[] x) {
        return Arrays.stream(x).min().orElse(Double.NaN);
    }

    private static double max(double[] x) {
        return Arrays.stream(x).max().orElse(Double.NaN);
    }

    private static double[] column(double[][] rows, int c) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = rows[i][c];
        return out;
    }

    static double round(double v, int decimals) {
        if (!Double.isFinite(v)) return v;
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }
}
