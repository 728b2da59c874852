package dev.kiln.cli;

import dev.kiln.api.nn.ModelKinds;
import dev.kiln.api.nn.TransformerConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A benchmark model shape, as in {@code shared/bench/configs.json} (and {@code torch_bench.py}'s
 * CONFIGS): vocab V, width C, layers L, heads H, sequence T, batch B; GPT-2 style, or LLaMA style
 * ({@code llama}: grouped-query heads {@code kvHeads} and a SwiGLU feed-forward of width {@code dFF}).
 */
record BenchShape(String name, int vocab, int dModel, int layers, int heads, int seq, int batch, boolean llama, int kvHeads, int dFF) {

    /** The configs of shared/bench/configs.json, in its order ({@code --config all}). */
    static final Map<String, BenchShape> PRESETS = presets();

    /** Shapes for the fine-tuning memory bench, by name only: TinyLlama-1.1B (random weights), seq 512, batch 1. */
    static final Map<String, BenchShape> FINETUNE_SHAPES = Map.of("tinyllama-1.1B",
            new BenchShape("tinyllama-1.1B", 32000, 2048, 22, 32, 512, 1, true, 4, 5632));

    BenchShape(String name, int vocab, int dModel, int layers, int heads, int seq, int batch) {
        this(name, vocab, dModel, layers, heads, seq, batch, false, heads, 4 * dModel);
    }

    BenchShape {
        if (vocab < 2 || dModel < 1 || layers < 0 || heads < 1 || seq < 1 || batch < 1)
            throw new IllegalArgumentException("bench shape '" + name + "': vocab >= 2, d_model, heads, seq and batch >= 1, layers >= 0 expected; got "
                    + "V " + vocab + " C " + dModel + " L " + layers + " H " + heads + " T " + seq + " B " + batch);
        if (dModel % heads != 0)
            throw new IllegalArgumentException("bench shape '" + name + "': d_model " + dModel + " is not divisible by heads " + heads);
        if (kvHeads < 1 || heads % kvHeads != 0)
            throw new IllegalArgumentException("bench shape '" + name + "': heads " + heads + " is not a multiple of kv heads " + kvHeads);
    }

    /** The shape's dimensions V, C, L, H, T, B into a benchmark's JSON record, in that order. */
    void putDimensions(Map<String, Object> record) {
        record.put("V", vocab);
        record.put("C", dModel);
        record.put("L", layers);
        record.put("H", heads);
        record.put("T", seq);
        record.put("B", batch);
        if (llama) {
            record.put("KV", kvHeads);
            record.put("FF", dFF);
        }
    }

    private static Map<String, BenchShape> presets() {
        Map<String, BenchShape> m = new LinkedHashMap<>();
        m.put("tiny", new BenchShape("tiny", 512, 128, 2, 4, 64, 16));
        m.put("small", new BenchShape("small", 8192, 256, 4, 4, 128, 8));
        m.put("gpt2-124M", new BenchShape("gpt2-124M", 50257, 768, 12, 12, 256, 4));
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * torch_bench.py's model: learned positions, pre-LayerNorm (eps 1e-5), causal multi-head attention,
     * exact (erf) GELU MLP 4×, final LayerNorm, head tied to the token embedding, biases, no dropout,
     * init std 0.02; a LLaMA shape is {@link TransformerConfig#llama}'s.
     */
    TransformerConfig modelConfig() {
        if (llama) return TransformerConfig.llama(vocab, dModel, layers, heads, kvHeads, dFF, seq);
        return TransformerConfig.gpt2(vocab, dModel, layers, heads, seq).toBuilder().activation(ModelKinds.Activation.GELU).build();
    }

    BenchShape with(Integer v, Integer c, Integer l, Integer h, Integer t, Integer b) {
        if (llama && (c != null || h != null))
            throw new IllegalArgumentException("bench shape '" + name + "': --d-model and --heads apply to the GPT-2 shapes only");
        if (llama) return new BenchShape(name, v != null ? v : vocab, dModel, l != null ? l : layers, heads, t != null ? t : seq,
                b != null ? b : batch, true, kvHeads, dFF);
        return new BenchShape(name, v != null ? v : vocab, c != null ? c : dModel, l != null ? l : layers,
                h != null ? h : heads, t != null ? t : seq, b != null ? b : batch);
    }

    int tokensPerStep() {
        return batch * seq;
    }
}
