package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.PeftNames;
import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.finetune.LoadedAdapter;
import dev.kiln.api.io.DType;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.quant.FourBitType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * LoRA ("lora", role PARAMETERS): frozen base, low-rank adapters W + s·B·A on targeted Linears.
 *
 * <p>Config keys (strict), PEFT's names and defaults where PEFT has one:
 * <ul>
 *   <li>{@code r} (8): rank;</li>
 *   <li>{@code alpha} (16): PEFT's {@code lora_alpha}; the scale is alpha / r;</li>
 *   <li>{@code dropout} (0): dropout on the adapter's input while training;</li>
 *   <li>{@code use_rslora} (false): scale alpha / √r instead (rank-stabilized LoRA);</li>
 *   <li>{@code target_modules} ([attn.qkv]): Linear module paths, dotted suffixes of them
 *       ({@code attn.qkv}, {@code attn.out}, {@code mlp.up}, {@code mlp.gate}, {@code mlp.down}),
 *       regexes over the whole path, or {@code all-linear}; {@code embed.tokens} (never matched by
 *       {@code all-linear}) adds LoRA on the token embeddings, PEFT's {@code lora.Embedding};</li>
 *   <li>{@code adapter_name} ("default");</li>
 *   <li>{@code peft_names} (kiln, or the family of a Hugging Face base model): the module names of the adapter files written by save/export:
 *       {@code kiln} (Kiln's paths, {@code blocks.0.attn.qkv}), or those PEFT writes for the
 *       Hugging Face model of the same shape, so PEFT loads the adapter onto it: {@code gpt2}
 *       ({@code transformer.h.0.attn.c_attn}), {@code bert} ({@code bert.encoder.layer.0.attention.self.query}
 *       / {@code key} / {@code value}), {@code roberta} (the same under {@code roberta.}) or {@code llama}
 *       ({@code model.layers.0.self_attn.q_proj} ..., also Mistral's and Qwen's).
 *       Kiln is the default because it names every Linear of any shape; the HF names exist only
 *       for the blocks' projections of that architecture. Loading recognizes any of them.</li>
 *   <li>{@code save_dtype} (f32): how export stores the adapter's tensors: {@code f32}, {@code bf16} or
 *       {@code f16} (rounded to nearest); loading reads any of them.</li>
 *   <li>{@code quantize} (none): QLoRA, {@code nf4} or {@code fp4}: the frozen base linears (every
 *       Linear; the LM head and embeddings are not Linears and stay float) stored in 4 bits,
 *       bitsandbytes' blockwise format, decoded on the fly; export merges into dequantized weights;</li>
 *   <li>{@code double_quant} (true for nf4, false for fp4): quantize the block scales too (8-bit, blocks of 256);</li>
 *   <li>{@code blocksize} (64): elements per 4-bit block, a power of two in [32, 4096].</li>
 * </ul>
 */
public final class LoraFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "lora";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "low-rank adapters (W + alpha/r * B*A) on targeted linear layers over a frozen base; merge/unmerge, named adapters"; }

    @Override
    public Role role() { return Role.PARAMETERS; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return create(config, context, PeftNames.KILN);
    }

    /** {@code peft_names} defaults to {@code modelNames}: a Hugging Face base model's family. */
    @Override
    public FineTuner create(Config config, ObjectiveContext context, PeftNames modelNames) {
        int r = config.getInt("r", 8);
        double alpha = config.getDouble("alpha", 16);
        double dropout = config.getDouble("dropout", 0);
        boolean rslora = config.getBoolean("use_rslora", false);
        List<String> targets = config.getList("target_modules", List.of("attn.qkv"));
        String adapter = config.getString("adapter_name", "default");
        String names = config.getChoice("peft_names", modelNames.key(), PeftNames.keys());
        String dtype = config.getChoice("save_dtype", "f32", "f32", "bf16", "f16");
        String quant = config.getChoice("quantize", "none", "none", "nf4", "fp4");
        boolean doubleQuant = config.getBoolean("double_quant", quant.equals("nf4"));
        int blocksize = config.getInt("blocksize", 64);
        config.finish();
        if (quant.equals("none") && (config.has("double_quant") || config.has("blocksize")))
            throw config.error(config.has("double_quant") ? "double_quant" : "blocksize", "applies only with quantize: nf4 or fp4");
        if (blocksize < 32 || blocksize > 4096 || Integer.bitCount(blocksize) != 1)
            throw config.error("blocksize", "must be a power of two in [32, 4096], got " + blocksize);
        if (r < 1) throw config.error("r", "must be >= 1, got " + r);
        if (!(alpha > 0) || !Double.isFinite(alpha)) throw config.error("alpha", "must be > 0, got " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw config.error("dropout", "must be in [0, 1), got " + dropout);
        if (targets.isEmpty() || targets.stream().anyMatch(String::isBlank)) throw config.error("target_modules", "must list at least one non-empty pattern, got " + targets);
        if (!adapter.matches("[A-Za-z0-9_-]+")) throw config.error("adapter_name", "must match [A-Za-z0-9_-]+, got '" + adapter + "'");
        return new LoraFineTuner(new LoraConfig(r, alpha, dropout, rslora, targets, adapter), PeftNames.parse(names))
                .withSaveDtype(DType.valueOf(dtype.toUpperCase(java.util.Locale.ROOT)))
                .withQuantize(quant.equals("none") ? QuantizeConfig.NONE : new QuantizeConfig(FourBitType.parse(quant), doubleQuant, blocksize));
    }

    @Override
    public Set<String> peftTypes() { return Set.of("LORA"); }

    @Override
    public LoadedAdapter loadAdapter(Transformer model, Path dir, String adapterName) throws IOException {
        LoraFineTuner.load(model, dir, adapterName);
        return LoadedAdapter.mergeable("LORA", () -> Lora.mergeAndUnload(model, adapterName));
    }
}
