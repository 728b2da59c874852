package dev.kiln.cli;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.testing.RequiredInCi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class BenchCommandTest {
    @TempDir
    Path plugins;

    @Test
    void oneStepOnATinyCustomShapePrintsATableAndAJsonLine() throws Exception {
        Cli r = Cli.run("bench", "--config", "tiny", "--steps", "1", "--warmup", "0", "--infer-steps", "1", "--infer-warmup", "0",
                "--sgemm-sizes", "32", "--vocab", "40", "--d-model", "16", "--layers", "1", "--heads", "2", "--seq", "8",
                "--batch", "2", "--threads", "1", "--backend", "cpu", "--plugins", plugins.toString(), "--tag", "unit");
        assertEquals(0, r.code(), r.err());
        List<String> json = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(1, json.size(), r.out());
        Map<?, ?> m = (Map<?, ?>) Json.parse(json.get(0), "bench output");
        JsonObject line = JsonObject.of(m, "bench output");
        assertEquals("tiny", line.string("config"));
        assertEquals("unit", line.string("tag"));
        assertEquals(1, line.integer("threads"));
        assertEquals(40, line.integer("V"));
        assertEquals(8, line.integer("T"));
        for (String k : List.of("train_tok_s_min", "train_tok_s_med", "train_tok_s_max", "fwd_ms_med", "bwd_ms_med", "opt_ms_med",
                "infer_tok_s_med", "loss_first", "params"))
            assertTrue(((Number) m.get(k)).doubleValue() > 0, k + " in " + m);
        assertTrue(m.get("sgemm_gflops") instanceof Map<?, ?> g && g.containsKey("32"), m.toString());
        assertTrue(r.out().contains("config") && r.out().contains("train tok/s"), r.out());
        assertFalse(m.containsKey("fma_peak_gflops"), "the ceiling only with --fma-peak");
        if (Runtime.getRuntime().availableProcessors() >= 2 || RequiredInCi.inCi()) {   // CI has two: the probe must run
            for (String k : List.of("core_round_trip_ns_before", "core_round_trip_ns_after"))
                assertTrue(((Number) m.get(k)).doubleValue() > 0, k + " in " + m);
        }
    }

    /**
     * Without --warmup the warm-up lasts 3 steps and at least 3 s after the first (a toy shape's millisecond steps:
     * hundreds of them), then until the JIT is quiet or 30 s have passed; without --infer-warmup 2 forward passes and
     * 1 s after the first, then the same. Given, exactly that many. The JSON line says how many ran, for how long, and
     * how much the JIT compiled during the timed steps.
     */
    @Test
    void warmUpLastsSecondsByDefaultAndExactlyTheGivenStepsOtherwise() throws Exception {
        String[] toy = {"--config", "tiny", "--steps", "2", "--infer-steps", "2", "--no-sgemm", "--vocab", "40", "--d-model", "16",
                "--layers", "1", "--heads", "2", "--seq", "8", "--batch", "2", "--threads", "1", "--backend", "cpu",
                "--plugins", plugins.toString()};
        long t0 = System.nanoTime();
        Cli byTime = Cli.run(concat(new String[] {"bench"}, toy));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, byTime.code(), byTime.err());
        long warm = count(byTime, "warmup_steps"), passes = count(byTime, "infer_warmup_passes");
        assertTrue(warm > BenchCommand.DEFAULT_WARMUP && passes > BenchCommand.DEFAULT_INFER_WARMUP
                        && seconds >= BenchCommand.DEFAULT_WARMUP_SECONDS + BenchCommand.DEFAULT_INFER_WARMUP_SECONDS,
                warm + " warm-up steps and " + passes + " passes in " + seconds + " s");
        assertTrue(byTime.err().contains("warm-up (3 steps, and 3.0 s after the first, at least; then until the JIT compiles"
                + " under 20 ms a second, 30 s at most) + 2 timed training steps"), byTime.err());
        assertTrue(byTime.err().contains("warm-up (2 passes, and 1.0 s after the first, at least; then until the JIT compiles"
                + " under 20 ms a second, 30 s at most) + 2 timed forward passes"), byTime.err());
        Map<?, ?> m = json(byTime);
        for (String phase : new String[] {"", "infer_"}) {
            double s = ((Number) m.get(phase + "warmup_s")).doubleValue();
            boolean quiet = (Boolean) m.get(phase + "warmup_jit_quiet");
            long compiled = ((Number) m.get(phase + "timed_compile_ms")).longValue();
            assertTrue(s >= (phase.isEmpty() ? BenchCommand.DEFAULT_WARMUP_SECONDS : BenchCommand.DEFAULT_INFER_WARMUP_SECONDS)
                    && (quiet || s >= BenchCommand.MAX_WARMUP_SECONDS) && compiled >= 0, phase + ": " + m);
        }
        Cli exact = Cli.run(concat(new String[] {"bench", "--warmup", "1", "--infer-warmup", "1"}, toy));
        assertEquals(0, exact.code(), exact.err());
        assertEquals(1, count(exact, "warmup_steps"));
        assertEquals(1, count(exact, "infer_warmup_passes"));
        assertFalse(json(exact).containsKey("warmup_jit_quiet"), "an exact warm-up does not ask the JIT");
        assertEquals(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:+UseTransparentHugePages"),
                json(exact).get("transparent_huge_pages"), "the JSON line says whether the heap asked for huge pages");
    }

    /**
     * The JSON's transparent_huge_pages is the heap's own setting: true in a JVM started with the flag (as ./kiln does)
     * where the kernel gives huge pages on request or always (elsewhere HotSpot turns the flag off again at start-up).
     */
    @Test
    void jsonSaysTrueWhereTheHeapAskedForHugePages() throws Exception {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        boolean offered = java.nio.file.Files.isReadable(mode)
                && java.nio.file.Files.readString(mode).matches("(?s).*\\[(madvise|always)\\].*");
        List<String> cmd = ChildKiln.command(List.of("-Xmx256m", "-XX:+UseTransparentHugePages"), List.of(), "bench", "--config",
                "tiny", "--steps", "1", "--warmup", "0", "--no-infer", "--no-sgemm", "--vocab", "40", "--d-model", "16", "--layers",
                "1", "--heads", "2", "--seq", "8", "--batch", "2", "--threads", "1", "--backend", "cpu");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        String line = out.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(out));
        assertEquals(offered, ((Map<?, ?>) Json.parse(line, "bench output")).get("transparent_huge_pages"), line);
    }

    private static long count(Cli r, String key) throws Exception {
        return ((Number) json(r).get(key)).longValue();
    }

    private static Map<?, ?> json(Cli r) throws Exception {
        String line = r.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        return (Map<?, ?>) Json.parse(line, "bench output");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** --step-times: one line per training step and forward pass, warm-up included, in order. */
    @Test
    void stepTimesPrintsEveryStepAndPassWarmUpIncluded() throws Exception {
        Cli r = Cli.run("bench", "--config", "tiny", "--steps", "2", "--warmup", "1", "--infer-steps", "2", "--infer-warmup", "1",
                "--no-sgemm", "--step-times", "--vocab", "40", "--d-model", "16", "--layers", "1", "--heads", "2", "--seq", "8",
                "--batch", "2", "--threads", "1", "--backend", "cpu", "--plugins", plugins.toString());
        assertEquals(0, r.code(), r.err());
        List<String> steps = r.err().lines().filter(l -> l.contains(": train step ") && l.contains(" ms")).toList();
        assertEquals(3, steps.size(), r.err());
        assertTrue(steps.get(0).contains("train step 1 (warm-up): forward "), steps.get(0));
        assertTrue(steps.get(2).matches(".*train step 3 \\(timed\\): forward [0-9.]+ ms, backward [0-9.]+ ms, optimizer [0-9.]+ ms"), steps.get(2));
        List<String> passes = r.err().lines().filter(l -> l.contains(": forward pass ") && l.endsWith(" ms")).toList();
        assertEquals(List.of("(warm-up)", "(timed)", "(timed)"), passes.stream().map(l -> l.replaceAll(".*pass \\d+ (\\S+): .*", "$1")).toList(),
                r.err());
        Cli quiet = Cli.run("bench", "--config", "tiny", "--steps", "1", "--warmup", "0", "--no-infer", "--no-sgemm", "--vocab", "40",
                "--d-model", "16", "--layers", "1", "--heads", "2", "--seq", "8", "--batch", "2", "--threads", "1", "--backend", "cpu",
                "--plugins", plugins.toString());
        assertFalse(quiet.err().contains("forward 0") || quiet.err().contains(" ms, backward"), "without the option: " + quiet.err());
    }

    /** --fma-peak: the ceiling on the bench's threads and training's share of it. */
    @Test
    void fmaPeakReportsTrainingAsAShareOfTheCeiling() throws Exception {
        Cli r = Cli.run("bench", "--config", "tiny", "--steps", "1", "--warmup", "0", "--no-infer", "--no-sgemm", "--fma-peak",
                "--vocab", "40", "--d-model", "16", "--layers", "1", "--heads", "2", "--seq", "8", "--batch", "2", "--threads", "1",
                "--backend", "cpu", "--plugins", plugins.toString());
        assertEquals(0, r.code(), r.err());
        Map<?, ?> m = (Map<?, ?>) Json.parse(r.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(), "bench output");
        double peak = ((Number) m.get("fma_peak_gflops")).doubleValue(), train = ((Number) m.get("train_gflops_med")).doubleValue();
        assertTrue(peak > 0, m.toString());
        assertEquals(train / peak, ((Number) m.get("train_peak_share")).doubleValue(), 1e-3, m.toString());
        assertTrue(r.out().contains("fp32 FMA ceiling: "), r.out());
        Cli naive = Cli.run("bench", "--config", "tiny", "--steps", "1", "--warmup", "0", "--no-infer", "--no-sgemm", "--fma-peak",
                "--vocab", "40", "--d-model", "16", "--layers", "1", "--heads", "2", "--seq", "8", "--batch", "2",
                "--backend", "naive", "--plugins", plugins.toString());
        assertNotEquals(0, naive.code());
        assertTrue(naive.err().contains("--fma-peak") && naive.err().contains("'naive'"), naive.err());
    }

    /** --finetune lora on a tiny shape: the memory keys; AdamW keeps two floats per trainable parameter. */
    @Test
    void finetuneLoraPrintsTheMemoryKeys() throws Exception {
        String[] shape = {"--config", "tiny", "--steps", "1", "--warmup", "0", "--vocab", "40", "--d-model", "16", "--layers", "2",
                "--heads", "2", "--seq", "8", "--batch", "2", "--threads", "1", "--backend", "cpu"};
        for (boolean reference : new boolean[] {false, true}) {
            List<String> args = new java.util.ArrayList<>(List.of("bench", "--finetune", "lora", "--frozen-dtype", reference ? "fp32" : "bf16"));
            args.addAll(List.of(shape));
            if (reference) args.add("--keep-probabilities");
            Cli r = ModelDirectories.kiln(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            List<String> json = r.out().lines().filter(l -> l.startsWith("{")).toList();
            assertEquals(1, json.size(), r.out());
            Map<?, ?> m = (Map<?, ?>) Json.parse(json.get(0), "bench output");
            assertEquals("lora", m.get("finetune"));
            assertEquals(reference ? 0 : 8, ((Number) m.get("compressed_linears")).intValue(), "qkv, out, up, down in 2 blocks: " + m);
            assertEquals(reference, m.get("backend").toString().contains("probabilities kept"), m.toString());
            long trainable = ((Number) m.get("trainable_params")).longValue();
            assertTrue(trainable > 0 && trainable < ((Number) m.get("float_params")).longValue(), m.toString());
            assertEquals(8 * trainable, ((Number) m.get("optimizer_state_bytes")).longValue(), "AdamW: m and v in fp32");
            for (String k : List.of("peak_heap_bytes", "live_after_forward_bytes", "live_after_backward_bytes", "peak_rss_bytes",
                    "s_per_step", "tokens_per_s", "allocated_bytes_first_step", "allocated_bytes_last_step"))
                assertTrue(((Number) m.get(k)).doubleValue() > 0, k + " in " + m);
        }
        Cli bad = ModelDirectories.kiln("bench", "--finetune", "dpo-ish", "--config", "tiny", "--backend", "cpu");
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains("no fine-tuning method 'dpo-ish'") && bad.err().contains("lora"), bad.err());
    }

    /** --finetune qlora: lora on a base stored in NF4 with double quantization, about half a byte per weight. */
    @Test
    void finetuneQloraStoresTheBaseInFourBits() throws Exception {
        Cli r = ModelDirectories.kiln("bench", "--finetune", "qlora", "--config", "tiny", "--steps", "1", "--warmup", "0", "--vocab", "40",
                "--d-model", "64", "--layers", "2", "--heads", "2", "--seq", "8", "--batch", "2", "--threads", "1", "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> m = (Map<?, ?>) Json.parse(r.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(), "bench output");
        assertEquals("nf4+double_quant", m.get("frozen_dtype"));
        assertEquals(8, ((Number) m.get("compressed_linears")).intValue(), m.toString());
        long params = ((Number) m.get("compressed_params")).longValue(), bytes = ((Number) m.get("compressed_bytes")).longValue();
        assertEquals(2L * (64 * 192 + 64 * 64 + 64 * 256 + 256 * 64), params, "qkv, out, up, down weights of 2 blocks at C 64");
        assertTrue(bytes >= params / 2 && bytes < 0.56 * params, bytes + " bytes for " + params + " 4-bit weights (+ 8-bit block scales)");
        Cli full = ModelDirectories.kiln("bench", "--finetune", "full", "--frozen-dtype", "bf16", "--config", "tiny", "--backend", "cpu");
        assertNotEquals(0, full.code());
        assertTrue(full.err().contains("'full' trains every weight"), full.err());
        Cli shape = ModelDirectories.kiln("bench", "--config", "tinyllama-1.1B", "--backend", "cpu");
        assertNotEquals(0, shape.code());
        assertTrue(shape.err().contains("with --finetune also tinyllama-1.1B"), shape.err());
    }

    /** --optimizer: AdamW keeps two floats per parameter, AdamW8bit about a quarter of that on large matrices, LOMO nothing. */
    @Test
    void finetuneOptimizersReportTheirState() throws Exception {
        Map<String, Long> state = new java.util.HashMap<>();
        long trainable = 0;
        for (String optimizer : List.of("adamw", "adamw8bit", "lomo")) {
            Cli r = ModelDirectories.kiln("bench", "--finetune", "full", "--optimizer", optimizer, "--config", "tiny", "--steps", "1", "--warmup", "0",
                    "--vocab", "40", "--d-model", "64", "--layers", "2", "--heads", "2", "--seq", "8", "--batch", "2", "--threads", "1", "--backend", "cpu");
            assertEquals(0, r.code(), r.err());
            Map<?, ?> m = (Map<?, ?>) Json.parse(r.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(), "bench output");
            assertEquals(optimizer, m.get("optimizer"));
            state.put(optimizer, ((Number) m.get("optimizer_state_bytes")).longValue());
            trainable = ((Number) m.get("trainable_params")).longValue();
        }
        assertEquals(8 * trainable, state.get("adamw"));
        assertTrue(state.get("adamw8bit") < 0.5 * state.get("adamw") && state.get("adamw8bit") > 0, state.toString());
        assertEquals(0L, state.get("lomo"));
        Cli bad = ModelDirectories.kiln("bench", "--optimizer", "lomo", "--config", "tiny", "--backend", "cpu");
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains("--optimizer and --gradient-checkpointing need --finetune"), bad.err());
    }

    @Test
    void tinyLlamaIsTheLlamaShapeOfTinyLlama() {
        var cfg = BenchShape.FINETUNE_SHAPES.get("tinyllama-1.1B").modelConfig();
        assertEquals(List.of(32000, 2048, 22, 32, 4, 5632, 512), List.of(cfg.vocab(), cfg.dModel(), cfg.layers(), cfg.heads(), cfg.kvHeads(),
                cfg.dFF(), cfg.maxSeq()));
        assertEquals(dev.kiln.api.nn.TransformerConfig.llama(32000, 2048, 22, 32, 4, 5632, 512), cfg);
    }

    @Test
    void presetShapesMatchTheSharedConfigs() {
        BenchShape small = BenchShape.PRESETS.get("small");
        assertEquals(List.of(8192, 256, 4, 4, 128, 8),
                List.of(small.vocab(), small.dModel(), small.layers(), small.heads(), small.seq(), small.batch()));
        assertEquals(dev.kiln.api.nn.ModelKinds.Activation.GELU, small.modelConfig().activation());
        assertTrue(small.modelConfig().tieEmbeddings() && small.modelConfig().bias() && small.modelConfig().preNorm());
        assertEquals(List.of("tiny", "small", "gpt2-124M"), List.copyOf(BenchShape.PRESETS.keySet()));
    }

    @Test
    void tinyHasTorchBenchsParameterCount() {
        var model = new dev.kiln.api.nn.Transformer(new dev.kiln.api.backend.NaiveBackend(), BenchShape.PRESETS.get("tiny").modelConfig(), 0);
        assertEquals(470_528, model.parameterCount()); // torch_bench.py: params 470528 for tiny
    }
}
