package dev.kiln.finetune.lora;

import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.quant.FourBitType;
import dev.kiln.api.quant.Quantized4Bit;

import java.util.ArrayList;
import java.util.List;

/**
 * QLoRA's base: how {@link LoraFineTuner} stores the frozen base linears, transformers'
 * {@code BitsAndBytesConfig(load_in_4bit)} subset. {@code type} null keeps them float (quantize: none).
 * Kiln's LM head and embeddings are plain weights, not Linear modules, so they stay float as in
 * transformers' integration (which skips {@code lm_head}); every other frozen Linear is quantized.
 */
public record QuantizeConfig(FourBitType type, boolean doubleQuant, int blocksize) {
    public static final QuantizeConfig NONE = new QuantizeConfig(null, false, 64);

    public QuantizeConfig {
        Quantized4Bit.checkBlocksize(blocksize);
        if (type == null && doubleQuant) throw new IllegalArgumentException("double_quant needs quantize nf4 or fp4");
    }

    /** nf4 / fp4 with the QLoRA recipe's defaults for the rest: double quantization for nf4, blocks of 64. */
    public static QuantizeConfig of(FourBitType type) { return new QuantizeConfig(type, type == FourBitType.NF4, 64); }

    public boolean enabled() { return type != null; }

    /** Quantizes every frozen, not yet quantized Linear of {@code model}; returns their paths. */
    public List<String> apply(Module model) {
        List<String> done = new ArrayList<>();
        if (!enabled()) return done;
        for (var e : model.namedModules().entrySet())
            if (e.getValue() instanceof Linear l && !l.isQuantized() && !l.weight().requiresGrad()) {
                l.quantize(type, blocksize, doubleQuant);
                done.add(e.getKey());
            }
        return done;
    }

    /** The {@code quantize} key's value: none, nf4 or fp4. */
    public String key() { return type == null ? "none" : type.key(); }

    @Override
    public String toString() {
        return enabled() ? "quantize=" + key() + ", double_quant=" + doubleQuant + ", blocksize=" + blocksize : "quantize=none";
    }
}
