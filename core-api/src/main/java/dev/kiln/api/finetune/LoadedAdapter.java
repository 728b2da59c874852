package dev.kiln.api.finetune;

/**
 * An adapter a {@link FineTunerFactory} attached to a model from a saved adapter directory
 * ({@link FineTunerFactory#loadAdapter}), frozen as in PEFT's inference mode.
 */
public interface LoadedAdapter {

    /** PEFT's {@code peft_type} of the directory it came from: {@code LORA}, {@code IA3}, ... */
    String peftType();

    /**
     * PEFT's {@code merge_and_unload}: folds the adapter into the base weights and detaches it, so
     * the model saves as a plain one. Returns false, leaving the adapter attached, for adapters
     * that have no weights to fold into (a soft prompt, a key/value prefix).
     */
    boolean mergeAndUnload();

    /** An adapter that folds into the base weights: {@code merge} does it (and detaches the adapter). */
    static LoadedAdapter mergeable(String peftType, Runnable merge) {
        return new LoadedAdapter() {
            @Override public String peftType() { return peftType; }

            @Override public boolean mergeAndUnload() {
                merge.run();
                return true;
            }
        };
    }

    /** An adapter with no weights to fold into (a soft prompt, a key/value prefix): it stays attached. */
    static LoadedAdapter attached(String peftType) {
        return new LoadedAdapter() {
            @Override public String peftType() { return peftType; }

            @Override public boolean mergeAndUnload() { return false; }
        };
    }
}
