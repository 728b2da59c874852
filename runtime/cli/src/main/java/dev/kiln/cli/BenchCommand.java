package dev.kiln.cli;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.io.Json;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.backend.cpu.bench.FmaPeak;
import dev.kiln.backend.cpu.bench.SgemmBench;
import dev.kiln.cli.BenchRunner.Warmup;
import dev.kiln.runtime.io.JsonValues;
import dev.kiln.runtime.metrics.OpProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln bench}: training / forward throughput on the shapes of shared/bench/configs.json, plus sgemm. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure training and inference throughput on the benchmark shapes of shared/bench/configs.json,"
                + " with the same model as torch_bench.py (GPT-2 style: learned positions, pre-LayerNorm, causal attention,"
                + " GELU (erf) MLP 4x, final LayerNorm, tied head, biases, init std 0.02; AdamW lr 3e-4, betas 0.9/0.95,"
                + " weight decay 0.1; random token batches).",
                "Reports training tokens/s (forward + backward + AdamW step; min / median / max over the timed steps after"
                        + " warm-up) with a forward / backward / optimizer split, forward-only tokens/s under no-grad, and"
                        + " sgemm GFLOP/s. Prints a table, then one JSON line per config with torch_bench.py's keys."},
        footer = {"", "Shapes (V vocab, C width, L layers, H heads, T sequence, B batch):",
                "  tiny       V 512    C 128  L 2   H 4   T 64   B 16",
                "  small      V 8192   C 256  L 4   H 4   T 128  B 8",
                "  gpt2-124M  V 50257  C 768  L 12  H 12  T 256  B 4",
                "  tinyllama-1.1B (--finetune only; LLaMA: 4 KV heads, SwiGLU 5632, RMSNorm, rotary, untied head)",
                "             V 32000  C 2048 L 22  H 32  T 512  B 1",
                "", "Example (compare with: OMP_NUM_THREADS=2 python3 torch_bench.py --config small --threads 2):",
                "  kiln bench --config small --threads 2",
                "", "Fine-tuning memory (one JSON line: peak_heap_bytes, peak_rss_bytes, optimizer_state_bytes, s_per_step, tokens_per_s):",
                "  kiln bench --finetune lora --config gpt2-124M --seq 512 --batch 1 --frozen-dtype bf16",
                "  kiln bench --finetune qlora --config tinyllama-1.1B --gradient-checkpointing   (qlora: lora on an NF4 + double-quantized base)",
                "", "Sampling (rollouts; bench/vs-torch-generate.sh alternates it with bench/torch_generate.py, PyTorch's OpenBLAS unpinned):",
                "  kiln bench --generate --config gpt2-124M --threads 2 --rows 1,8,16,32,64"})
final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    KilnCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "NAME", defaultValue = "tiny",
            description = "tiny, small, gpt2-124M or all (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--threads", paramLabel = "N",
            description = "Backend threads (the cpu backend's 'threads'; default: all cores).")
    Integer threads;

    @Option(names = "--replicas", paramLabel = "R",
            description = {"Data-parallel replicas in this JVM (the cpu backend): each its own model, --threads / R threads and",
                    "B / R rows of every batch, gradients summed in shared memory, as `kiln pretrain --replicas` trains (default: 1)."})
    int replicas = 1;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "10", description = "Timed training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Untimed training steps first, exactly N (default: " + DEFAULT_WARMUP + " steps, and more until "
                    + DEFAULT_WARMUP_SECONDS + " s after the first, then more while the JIT's compilers used over " + JIT_QUIET_MILLIS
                    + " ms of CPU in the last second, up to " + MAX_WARMUP_SECONDS + " s: the JIT moves code to C2 by call counts, so on"
                    + " a shape whose steps take milliseconds the first hundreds run slower than the rest).")
    Integer warmup;
    static final int DEFAULT_WARMUP = 3;
    static final double DEFAULT_WARMUP_SECONDS = 3;
    /** Compiler CPU time in the last second under which the JIT counts as quiet (default warm-ups). */
    static final long JIT_QUIET_MILLIS = 20;
    /** How long after the first step or pass a default warm-up waits for a quiet JIT at most. */
    static final double MAX_WARMUP_SECONDS = 30;

    @Option(names = "--infer-steps", paramLabel = "N", defaultValue = "10", description = "Timed forward-only passes (default: ${DEFAULT-VALUE}).")
    int inferSteps;

    @Option(names = "--infer-warmup", paramLabel = "N",
            description = "Untimed forward-only passes first (default: " + DEFAULT_INFER_WARMUP + " passes, and more until "
                    + DEFAULT_INFER_WARMUP_SECONDS + " s after the first, then while the JIT is busy as for --warmup: the forward"
                    + " passes run code that training did not, no-grad and eval-mode paths, and its compiles take a core while they"
                    + " run).")
    Integer inferWarmup;
    static final int DEFAULT_INFER_WARMUP = 2;
    static final double DEFAULT_INFER_WARMUP_SECONDS = 1;

    @Option(names = "--no-infer", description = "Skip the forward-only measurement.")
    boolean noInfer;

    @Option(names = "--step-times",
            description = "Print each training step's and forward pass's time, warm-up included (to see how soon a run is warm).")
    boolean stepTimes;

    @Option(names = "--op-profile",
            description = "Also time every backend op of the timed steps and passes (as torch.profiler's key_averages table):"
                    + " a table per shape of each phase's ops, slowest first, with calls, ms and GFLOP/s a step, and the JSON's"
                    + " \"ops\". Each op is timed around its call (an asynchronous backend drained after each), so the step"
                    + " figures include that bookkeeping.")
    boolean opProfile;

    @Option(names = "--sgemm-sizes", paramLabel = "N", split = ",", defaultValue = "512,1024,2048",
            description = "Square sgemm sizes to time, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> sgemmSizes;

    @Option(names = "--no-sgemm", description = "Skip the sgemm measurement.")
    boolean noSgemm;

    @Option(names = "--fma-peak",
            description = "Also measure the fp32 FMA ceiling on the bench's threads (independent vector FMA chains, no memory"
                    + " traffic) and report training GFLOP/s as a share of it (fma_peak_gflops, train_peak_share).")
    boolean fmaPeak;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the weights and token batches (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tag", paramLabel = "TEXT", defaultValue = "", description = "Free text copied into the JSON lines.")
    String tag;

    @Option(names = "--finetune", paramLabel = "METHOD",
            description = "Fine-tuning steps with this method plugin (its default settings, e.g. lora; qlora is lora on an NF4 base"
                    + " with double quantization, blocks of 64) instead of the"
                    + " training, forward and sgemm measurements; one JSON line per shape with peak_heap_bytes (live heap after"
                    + " a full GC at the end of forward and of backward, the larger), peak_rss_bytes, optimizer_state_bytes,"
                    + " s_per_step, tokens_per_s.")
    String finetune;

    @Option(names = "--frozen-dtype", paramLabel = "DTYPE", defaultValue = "fp32",
            description = "With --finetune: fp32 or bf16 storage of the frozen linear weights, as model.frozen_dtype (default: ${DEFAULT-VALUE}).")
    String frozenDtype;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "adamw",
            description = "With --finetune: adamw, adamw8bit (bitsandbytes' 8-bit state) or lomo (SGD fused into backward, no gradients kept)"
                    + " (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--gradient-checkpointing", description = "With --finetune: recompute each block in backward.")
    boolean gradientCheckpointing;

    @Option(names = "--keep-probabilities",
            description = "The cpu backend with recompute: false: attention and cross-entropy keep their full probabilities"
                    + " for backward (the memory of the naive path) instead of one logsumexp per row.")
    boolean keepProbabilities;

    @Option(names = "--generate",
            description = "Sampling throughput instead of training: rollouts as online RL draws them (N rows of a random prompt"
                    + " as one batch, then N new tokens a step from the KV cache, temperature 1), one JSON line per row count with"
                    + " sampled_tok_s, rollout_ms, prompt_ms, decode_step_ms; bench/torch_generate.py runs the same in PyTorch.")
    boolean generate;

    @Option(names = "--rows", paramLabel = "N", split = ",", defaultValue = "1,8,16,32,64",
            description = "With --generate: the row counts, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> rows;

    @Option(names = "--prompt", paramLabel = "P", defaultValue = "16", description = "With --generate: prompt tokens a row (default: ${DEFAULT-VALUE}).")
    int prompt;

    @Option(names = "--new-tokens", paramLabel = "N", defaultValue = "32",
            description = "With --generate: new tokens a row (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--rollouts", paramLabel = "N", defaultValue = "3",
            description = "With --generate: timed rollouts per row count (default: ${DEFAULT-VALUE}), after the warm-up: --warmup"
                    + " rollouts exactly, else 1 and more until " + DEFAULT_WARMUP_SECONDS + " s after the first, then while the JIT"
                    + " is busy, as for training.")
    int rollouts;

    @Option(names = "--vocab", paramLabel = "V", description = "Override the shape's vocabulary size.")
    Integer vocab;
    @Option(names = "--d-model", paramLabel = "C", description = "Override the shape's width.")
    Integer dModel;
    @Option(names = "--layers", paramLabel = "L", description = "Override the shape's layer count.")
    Integer layers;
    @Option(names = "--heads", paramLabel = "H", description = "Override the shape's head count.")
    Integer heads;
    @Option(names = "--seq", paramLabel = "T", description = "Override the shape's sequence length.")
    Integer seq;
    @Option(names = "--batch", paramLabel = "B", description = "Override the shape's batch size.")
    Integer batch;

    @Override
    public Integer call() throws Exception {
        List<BenchShape> shapes = shapes();
        if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        if (warmup != null && warmup < 0 || inferWarmup != null && inferWarmup < 0 || inferSteps < 1)
            throw new IllegalArgumentException("--warmup and --infer-warmup must be >= 0 and --infer-steps >= 1");
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (!frozenDtype.equals("fp32") && !frozenDtype.equals("bf16"))
            throw new IllegalArgumentException("--frozen-dtype must be fp32 or bf16, got '" + frozenDtype + "'");
        if (generate && finetune != null) throw new IllegalArgumentException("--generate and --finetune are separate measurements; pick one");
        if (replicas != 1 && (generate || finetune != null)) throw new IllegalArgumentException("--replicas measures pretraining steps; not with --generate or --finetune");
        if (opProfile && (generate || finetune != null)) throw new IllegalArgumentException("--op-profile times pretraining steps; not with --generate or --finetune");
        if (finetune == null && (gradientCheckpointing || frozenDtype.equals("bf16") || !optimizer.equals("adamw")))
            throw new IllegalArgumentException("--frozen-dtype, --optimizer and --gradient-checkpointing need --finetune");
        if (!List.of("adamw", "adamw8bit", "lomo").contains(optimizer))
            throw new IllegalArgumentException("--optimizer must be adamw, adamw8bit or lomo, got '" + optimizer + "'");
        Map<String, Object> backendConfig = new LinkedHashMap<>();
        if (threads != null) backendConfig.put("threads", threads);
        if (keepProbabilities) backendConfig.put("recompute", false);
        try (Session session = Session.open(root, null, backendConfig, WriterStream.of(err))) {
            Backend backend = backendWithThreads(session);
            int usedThreads = backend instanceof CpuBackend cpu ? cpu.threads() : threads != null ? threads : 1;
            err.println("kiln bench: backend " + session.backendDescription() + ": " + backend.description()
                    + "; " + usedThreads + " thread" + (usedThreads == 1 ? "" : "s") + "; Java " + Runtime.version());
            err.flush();
            if (finetune != null) return finetune(session, backend, shapes, usedThreads, out);
            if (generate) return generate(backend, shapes, usedThreads, out, err);
            if (fmaPeak && !(backend instanceof CpuBackend))
                throw new IllegalArgumentException("--fma-peak measures this machine's CPU ceiling, a bound for the cpu backend only;"
                        + " the backend is '" + backend.name() + "'");
            if (replicas < 1) throw new IllegalArgumentException("--replicas must be at least 1, got " + replicas);
            if (opProfile && replicas > 1) throw new IllegalArgumentException("--op-profile times one model's ops; not with --replicas");
            if (replicas > 1 && !(backend instanceof CpuBackend))
                throw new IllegalArgumentException("--replicas runs cpu-backend replicas; the backend is '" + backend.name() + "'");
            BenchRunner.Settings settings = new BenchRunner.Settings(
                            warmup != null ? Warmup.exactly(warmup)
                                    : new Warmup(DEFAULT_WARMUP, DEFAULT_WARMUP_SECONDS, JIT_QUIET_MILLIS, MAX_WARMUP_SECONDS), steps,
                            inferWarmup != null ? Warmup.exactly(inferWarmup)
                                    : new Warmup(DEFAULT_INFER_WARMUP, DEFAULT_INFER_WARMUP_SECONDS, JIT_QUIET_MILLIS, MAX_WARMUP_SECONDS),
                            inferSteps, !noInfer, seed, stepTimes);
            OpProfile ops = opProfile ? new OpProfile() : null;
            BenchRunner runner = new BenchRunner(ops == null ? backend : ops.wrap(backend), settings, err, Terminal.isInteractive(), ops);
            List<Map<String, Object>> results = new ArrayList<>();
            for (BenchShape shape : shapes) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("tag", tag);
                r.put("config", shape.name());
                r.put("mode", "gpt");
                r.put("threads", usedThreads);
                r.put("backend", backend.name());
                r.put("java", Runtime.version().toString());
                r.put("transparent_huge_pages", transparentHugePages());
                if (replicas > 1) r.put("replicas", replicas);
                r.putAll(replicas == 1 ? runner.run(shape) : BenchReplica.run(replicas, usedThreads, backendConfig, shape, settings, err));
                results.add(r);
            }
            Map<String, Double> sgemm = noSgemm ? Map.of() : sgemm(backend, err);
            if (!sgemm.isEmpty()) for (Map<String, Object> r : results) r.put("sgemm_gflops", sgemm);
            if (fmaPeak) fmaPeak(results, usedThreads, err);
            BenchTable.print(out, results, sgemm, backend.name(), usedThreads);
            OpTable.print(out, results);
            for (Map<String, Object> r : results) out.println(Json.compact(JsonValues.finite(r)));   // a NaN loss as "NaN"
            out.flush();
        }
        return 0;
    }

    /**
     * Whether this JVM's heap asked for transparent huge pages (./kiln adds the flag where the kernel offers them);
     * false where the VM has no such flag (HotSpot has it on Linux only).
     */
    static boolean transparentHugePages() {
        var vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        try {
            return vm != null && Boolean.parseBoolean(vm.getVMOption("UseTransparentHugePages").getValue());
        } catch (IllegalArgumentException noSuchFlag) {
            return false;
        }
    }

    /** --finetune: one JSON line per shape. */
    private int finetune(Session session, Backend backend, List<BenchShape> shapes, int usedThreads, PrintWriter out) {
        Map<String, FineTunerFactory> methods = session.registry().factories(FineTunerFactory.class);
        boolean qlora = finetune.equals(FinetuneBench.QLORA);
        String method = qlora ? "lora" : finetune;
        FineTunerFactory factory = methods.get(method);
        if (factory == null || factory.role() != FineTunerFactory.Role.PARAMETERS)
            throw new IllegalArgumentException("--finetune: no fine-tuning method '" + finetune + "' that chooses what trains (known: "
                    + String.join(", ", methods.values().stream().filter(f -> f.role() == FineTunerFactory.Role.PARAMETERS)
                    .map(FineTunerFactory::name).sorted().toList()) + (methods.containsKey("lora") ? ", " + FinetuneBench.QLORA : "") + ")");
        if (frozenDtype.equals("bf16") && method.equals("full"))
            throw new IllegalArgumentException("--frozen-dtype bf16 stores frozen weights; 'full' trains every weight");
        if (qlora && frozenDtype.equals("bf16")) throw new IllegalArgumentException("--finetune qlora stores the base in 4 bits; leave out --frozen-dtype");
        FinetuneBench bench = new FinetuneBench(backend, new FinetuneBench.Settings(finetune, frozenDtype.equals("bf16"),
                gradientCheckpointing, optimizer, warmup != null ? warmup : DEFAULT_WARMUP, steps, seed));
        for (BenchShape shape : shapes) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("tag", tag);
            r.put("config", shape.name());
            r.put("threads", usedThreads);
            r.put("backend", backend.description());
            r.put("java", Runtime.version().toString());
            r.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
            r.putAll(bench.run(shape, factory));
            out.println(Json.compact(JsonValues.finite(r)));
            out.flush();
        }
        return 0;
    }

    /** --generate: a table, then one JSON line per shape and row count. */
    private int generate(Backend backend, List<BenchShape> shapes, int usedThreads, PrintWriter out, PrintWriter err) {
        GenerateBench bench = new GenerateBench(backend, new GenerateBench.Settings(rows, prompt, newTokens,
                warmup != null ? Warmup.exactly(warmup) : new Warmup(1, DEFAULT_WARMUP_SECONDS, JIT_QUIET_MILLIS, MAX_WARMUP_SECONDS),
                rollouts, seed), err);
        List<Map<String, Object>> results = new ArrayList<>();
        for (BenchShape shape : shapes) {
            for (Map<String, Object> r : bench.run(shape)) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("tag", tag);
                line.put("config", shape.name());
                line.put("impl", "kiln");
                line.put("threads", usedThreads);
                line.put("backend", backend.name());
                line.put("java", Runtime.version().toString());
                shape.putDimensions(line);
                line.remove("B");                  // the rows are the batch here
                line.putAll(r);
                results.add(line);
            }
        }
        out.println("backend " + backend.name() + ", " + usedThreads + " thread" + (usedThreads == 1 ? "" : "s")
                + " (medians over timed rollouts; " + prompt + " prompt + " + newTokens + " new tokens a row)");
        out.println("config      rows  sampled tok/s  rollout ms  prompt ms  decode step ms");
        for (Map<String, Object> r : results)
            out.printf(Locale.ROOT, "%-10s %5d %14.1f %11.1f %10.1f %15.2f%n", r.get("config"), (Integer) r.get("rows"),
                    (Double) r.get("sampled_tok_s"), (Double) r.get("rollout_ms"), (Double) r.get("prompt_ms"), (Double) r.get("decode_step_ms"));
        for (Map<String, Object> r : results) out.println(Json.compact(JsonValues.finite(r)));
        out.flush();
        return 0;
    }

    private Backend backendWithThreads(Session session) {
        try {
            return session.backend();
        } catch (dev.kiln.api.config.ConfigException e) {
            if (threads != null && e.getMessage().contains("'threads'"))
                throw new IllegalArgumentException("--threads is not supported by this backend: " + e.getMessage(), e);
            throw e;
        }
    }

    List<BenchShape> shapes() {
        List<BenchShape> base = new ArrayList<>();
        if (config.equalsIgnoreCase("all")) {
            base.addAll(BenchShape.PRESETS.values());
        } else {
            Map<String, BenchShape> known = new LinkedHashMap<>(BenchShape.PRESETS);
            if (finetune != null) known.putAll(BenchShape.FINETUNE_SHAPES);
            BenchShape s = known.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(config))
                    .map(Map.Entry::getValue).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown bench config '" + config + "' (known: "
                            + String.join(", ", known.keySet()) + ", all" + (finetune == null ? "; with --finetune also "
                            + String.join(", ", BenchShape.FINETUNE_SHAPES.keySet()) : "") + ")"));
            base.add(s);
        }
        List<BenchShape> out = new ArrayList<>();
        for (BenchShape s : base) out.add(s.with(vocab, dModel, layers, heads, seq, batch));
        return out;
    }

    private static void fmaPeak(List<Map<String, Object>> results, int threads, PrintWriter err) throws InterruptedException {
        err.println("  fp32 FMA ceiling on " + threads + " thread" + (threads == 1 ? "" : "s"));
        err.flush();
        double peak = BenchRunner.round(FmaPeak.gflops(threads, 5, 200), 1);
        for (Map<String, Object> r : results) {
            r.put("fma_peak_gflops", peak);
            Object train = r.get("train_gflops_med");
            if (train instanceof Number g) r.put("train_peak_share", BenchRunner.round(g.doubleValue() / peak, 3));
        }
    }

    private Map<String, Double> sgemm(Backend backend, PrintWriter err) {
        Map<String, Double> g = new LinkedHashMap<>();
        for (int n : sgemmSizes) {
            if (n < 1) throw new IllegalArgumentException("--sgemm-sizes: sizes must be positive, got " + n);
            err.print(Terminal.isInteractive() ? "\r  sgemm " + n + "x" + n + "x" + n + " ...   " : "  sgemm " + n + "x" + n + "x" + n + "\n");
            err.flush();
            int reps = n <= 512 ? 30 : n <= 1024 ? 10 : 4;
            g.put(Integer.toString(n), BenchRunner.round(SgemmBench.gflops(backend, n, reps), 1));
        }
        if (Terminal.isInteractive()) err.print("\r" + " ".repeat(40) + "\r");
        err.flush();
        return g;
    }
}
