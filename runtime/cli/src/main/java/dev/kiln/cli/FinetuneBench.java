package dev.kiln.cli;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.StoragePool;
import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.finetune.TrainableParameters;
import dev.kiln.api.nn.Block;
import dev.kiln.api.nn.FrozenWeights;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.AdamW8bit;
import dev.kiln.api.optim.Lomo;
import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.optim.UpdatesInBackward;
import dev.kiln.api.quant.FourBitType;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code kiln bench --finetune METHOD}: fine-tuning steps on a random model of a bench shape, the method a
 * parameters-role plugin with its default settings (lora: its defaults, r 8 on attn.qkv), the loss next-token
 * cross-entropy over every position, AdamW (or AdamW8bit, or LOMO: SGD applied during backward) on what the
 * method leaves trainable. Optionally the frozen linears
 * stored as bf16 ({@code model.frozen_dtype}), or {@code qlora} (lora on a base stored in NF4 with double
 * quantization, blocks of 64), and gradient checkpointing. A compressed base is compressed block by block
 * while the model is built ({@link Transformer#Transformer(Backend, dev.kiln.api.nn.TransformerConfig, long,
 * java.util.function.Consumer)}), as a loader fills a quantized model, so its float weights never exist all at
 * once; the weights are the same as compressing the finished model. Timed steps run undisturbed; one more
 * step then measures memory: {@code peak_heap_bytes} is the larger heap in use after a full GC forced at the end
 * of its forward pass (every activation and saved statistic live) and after its backward (gradients live), i.e.
 * live data, not garbage; {@code peak_rss_bytes} is the process's VmHWM (Linux; -1 elsewhere);
 * {@code allocated_bytes_first_step} / {@code _last_step} what all threads allocated during the first and the
 * last timed step (a step that reuses its buffers allocates next to nothing); with a backend that pools its
 * storages, {@code pool_fresh_bytes_last_step} / {@code pool_reused_bytes_last_step} what the last step's
 * storages took new and from the pool, and {@code pool_idle_after_forward_bytes} what the pool held unused at
 * the memory step's end of forward (counted in {@code peak_heap_bytes}: the pool keeps released arrays, softly).
 */
final class FinetuneBench {
    /** The --finetune name of lora on an NF4 + double-quantized base. */
    static final String QLORA = "qlora";
    private static final double LR = 1e-4;

    record Settings(String method, boolean frozenBf16, boolean checkpointing, String optimizer, int warmup, int steps, long seed) {
        boolean qlora() { return method.equals(QLORA); }
    }

    private final Backend backend;
    private final Settings settings;

    FinetuneBench(Backend backend, Settings settings) {
        this.backend = backend;
        this.settings = settings;
    }

    Map<String, Object> run(BenchShape shape, FineTunerFactory factory) {
        int[] compressed = new int[1];
        Transformer model = new Transformer(backend, shape.modelConfig(), settings.seed(), block -> compressed[0] += compress(block));
        Map<String, Object> options = settings.qlora() ? Map.of("quantize", "nf4", "double_quant", true, "blocksize", 64) : Map.of();
        FineTuner tuner = factory.create(new Config("finetune '" + settings.method() + "'", options),
                new ObjectiveContext(null, backend, shape.modelConfig(), settings.seed()));
        tuner.configure(model, null);
        model.setGradientCheckpointing(settings.checkpointing());
        model.train(true);
        List<ParamGroup> groups = new ArrayList<>();
        model.namedParameters().forEach((name, p) -> { if (p.requiresGrad()) groups.add(new ParamGroup(name, p, 1.0, 0.0)); });
        Optimizer opt = switch (settings.optimizer()) {
            case "adamw8bit" -> new AdamW8bit(groups, 0.9, 0.999, 1e-8);
            case "lomo" -> new Lomo(groups);
            default -> new AdamW(groups, 0.9, 0.999, 1e-8);
        };
        SplittableRandom rng = new SplittableRandom(settings.seed());
        double[] secs = new double[settings.steps()];
        long[] allocated = new long[settings.warmup() + settings.steps()];
        StoragePool.Stats poolLast = null;
        for (int i = 0; i < allocated.length; i++) {
            long t0 = System.nanoTime(), a0 = allocatedBytes();
            StoragePool.Stats poolBefore = backend.poolStats();
            step(model, opt, shape, rng, false);
            backend.synchronize();
            allocated[i] = allocatedBytes() - a0;
            if (poolBefore != null) poolLast = backend.poolStats().minus(poolBefore);
            if (i >= settings.warmup()) secs[i - settings.warmup()] = (System.nanoTime() - t0) / 1e9;
        }
        long[] live = step(model, opt, shape, rng, true);
        double sPerStep = BenchRunner.median(secs);
        TrainableParameters tp = TrainableParameters.of(model, null);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("finetune", settings.method());
        r.put("frozen_dtype", settings.qlora() ? "nf4+double_quant" : settings.frozenBf16() ? "bf16" : "fp32");
        r.put("compressed_linears", compressed[0]);
        r.put("gradient_checkpointing", settings.checkpointing());
        r.put("optimizer", opt.name());
        shape.putDimensions(r);
        r.put("trainable_params", tp.trainable());
        long[] stored = compressedWeights(model);
        r.put("float_params", tp.total() - stored[0]);             // TrainableParameters counts compressed weights too, as PEFT does
        r.put("compressed_params", stored[0]);
        r.put("compressed_bytes", stored[1]);
        r.put("peak_heap_bytes", Math.max(live[0], live[1]));
        r.put("live_after_forward_bytes", live[0]);
        r.put("live_after_backward_bytes", live[1]);
        r.put("peak_rss_bytes", peakRss());
        r.put("optimizer_state_bytes", opt.stateBytes());
        r.put("allocated_bytes_first_step", allocated.length > 0 ? allocated[0] : 0);
        r.put("allocated_bytes_last_step", allocated.length > 0 ? allocated[allocated.length - 1] : 0);
        if (poolLast != null) {         // the backend's caching allocator: what the last step drew new and from the pool
            r.put("pool_fresh_bytes_last_step", poolLast.freshBytes());
            r.put("pool_reused_bytes_last_step", poolLast.reusedBytes());
            r.put("pool_idle_after_forward_bytes", live[2]);
        }
        r.put("s_per_step", BenchRunner.round(sPerStep, 4));
        r.put("tokens_per_s", BenchRunner.round(shape.tokensPerStep() / sPerStep, 1));
        return r;
    }

    /** Freezes a block and stores its linears compressed (nothing with an fp32 base); returns how many. */
    private int compress(Block block) {
        if (!settings.qlora() && !settings.frozenBf16()) return 0;
        for (Tensor p : block.parameters()) p.requiresGrad(false);
        if (settings.frozenBf16()) return FrozenWeights.storeBf16(block).size();
        int n = 0;
        for (Module m : block.namedModules().values())
            if (m instanceof Linear l) {
                l.quantize(FourBitType.NF4, 64, true);
                n++;
            }
        return n;
    }

    /** Bytes allocated so far by every live thread (the backend's pool threads included), or -1 where the JVM cannot tell. */
    private static long allocatedBytes() {
        if (!(java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)) return -1;
        long sum = 0;
        for (long v : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) if (v > 0) sum += v;
        return sum;
    }

    /** {elements, bytes} of every compressed (4-bit or bf16) frozen weight of the model. */
    static long[] compressedWeights(Transformer model) {
        long elements = 0, bytes = 0;
        for (Module m : model.namedModules().values())
            if (m instanceof Linear l && l.frozenWeight() != null) {
                long n = 1;
                for (int d : l.frozenWeight().shape()) n *= d;
                elements += n;
                bytes += l.frozenWeight().storedBytes();
            }
        return new long[] {elements, bytes};
    }

    /**
     * One step; with measure, the heap after a full GC at the end of forward and at the end of backward, and
     * the bytes the backend's pool held idle at the end of forward (part of that heap; -1 without a pool).
     */
    private static long[] step(Transformer model, Optimizer opt, BenchShape s, SplittableRandom rng, boolean measure) {
        int n = s.batch() * s.seq();
        int[] ids = new int[n], targets = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(s.vocab());
            targets[i] = rng.nextInt(s.vocab());
        }
        if (opt instanceof UpdatesInBackward lomo) lomo.beginStep(LR);      // each gradient applied and dropped during backward
        Tensor loss = Losses.crossEntropy(model.logits(model.forward(ModelInput.of(new IntTensor(ids, s.batch(), s.seq())))),
                new IntTensor(targets, s.batch(), s.seq()));                          // [B, T, V] → [1]
        long afterForward = measure ? liveHeap() : 0;
        StoragePool.Stats pool = measure ? model.backend().poolStats() : null;
        loss.backward();
        long afterBackward = measure ? liveHeap() : 0;
        opt.step(LR);
        for (Tensor p : model.parameters()) p.zeroGrad();
        return new long[] {afterForward, afterBackward, pool == null ? -1 : pool.idleBytes()};
    }

    private static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The resident set's high-water mark (VmHWM of /proc/self/status) in bytes; -1 where there is none. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return 1024L * Long.parseLong(line.replaceAll("[^0-9]", ""));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
