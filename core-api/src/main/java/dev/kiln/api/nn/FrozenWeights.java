package dev.kiln.api.nn;

import dev.kiln.api.quant.Bf16Weight;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code model.frozen_dtype: bf16} for fine-tuning: every frozen Linear weight of the model stored as bf16
 * ({@link Linear#storeBf16}), halving its storage; compute stays fp32, the weight widened a tile at a time
 * inside the matmul. Trainable weights are refused, since an optimizer step could not update a bf16 copy.
 */
public final class FrozenWeights {
    /** The config key, for messages. */
    public static final String KEY = "model.frozen_dtype";

    private FrozenWeights() {}

    /**
     * Stores every frozen float Linear weight of {@code model} as bf16 (4-bit ones stay as they are) and
     * returns their paths. Throws IllegalArgumentException naming {@link #KEY} and the weight when some
     * Linear weight of the model is trainable; nothing is converted then.
     */
    public static List<String> storeBf16(Module model) {
        List<Linear> frozen = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (var e : model.namedModules().entrySet()) {
            if (!(e.getValue() instanceof Linear l) || l.isQuantized()) continue;
            String name = (e.getKey().isEmpty() ? "" : e.getKey() + ".") + "weight";
            if (l.weight().requiresGrad())
                throw new IllegalArgumentException(KEY + ": bf16 stores frozen weights only, but '" + name
                        + "' is trainable here; use it with a method that freezes the base (lora, ia3, ...) or remove " + KEY);
            frozen.add(l);
            paths.add(name);
        }
        for (Linear l : frozen) l.storeBf16();
        return paths;
    }

    /** Brings back a frozen float weight in every bf16 Linear (before merging adapters or saving); returns how many. */
    public static int widenBf16(Module model) {
        int n = 0;
        for (Module m : model.namedModules().values())
            if (m instanceof Linear l && l.frozenWeight() instanceof Bf16Weight) {
                l.dequantize();
                n++;
            }
        return n;
    }
}
