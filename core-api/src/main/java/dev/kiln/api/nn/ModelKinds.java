package dev.kiln.api.nn;

import java.util.Locale;

/** The named choices of {@link TransformerConfig}, each with the lower-case key config files use. */
public final class ModelKinds {
    private ModelKinds() {}

    /** How token positions enter the model. */
    public enum Positions {
        LEARNED, SINUSOIDAL, ROTARY, NONE;

        public String key() { return ModelKinds.key(this); }

        @Override public String toString() { return key(); }

        /** Whether positions index a table of max_seq rows, so inputs longer than max_seq cannot be embedded. */
        public boolean bounded() { return this == LEARNED || this == SINUSOIDAL; }
    }

    public enum NormKind {
        LAYERNORM, RMSNORM;

        public String key() { return ModelKinds.key(this); }

        @Override public String toString() { return key(); }
    }

    /** mlp: down(act(up(x))); swiglu: down(act(gate(x)) ⊙ up(x)). */
    public enum Ffn {
        MLP, SWIGLU;

        public String key() { return ModelKinds.key(this); }

        @Override public String toString() { return key(); }
    }

    public enum Activation {
        GELU, GELU_TANH, RELU, SILU;

        public String key() { return ModelKinds.key(this); }

        @Override public String toString() { return key(); }
    }

    /** The constant of {@code type} whose key is {@code value}; an error naming {@code what} and the keys otherwise. */
    public static <E extends Enum<E>> E parse(Class<E> type, String what, String value) {
        for (E e : type.getEnumConstants()) if (key(e).equals(value)) return e;
        throw new IllegalArgumentException("model: " + what + " must be one of " + String.join(", ", keys(type)) + ", got '" + value + "'");
    }

    public static <E extends Enum<E>> String[] keys(Class<E> type) {
        E[] all = type.getEnumConstants();
        String[] out = new String[all.length];
        for (int i = 0; i < all.length; i++) out[i] = key(all[i]);
        return out;
    }

    static String key(Enum<?> e) { return e.name().toLowerCase(Locale.ROOT); }
}
