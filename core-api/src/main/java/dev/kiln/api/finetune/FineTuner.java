package dev.kiln.api.finetune;

import dev.kiln.api.nn.Block;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A fine-tuning method. It has two orthogonal halves, like a TRL trainer taking a PEFT config:
 * <em>what trains</em> ({@link #configure}, {@link #learningRateScale}, {@link #regularizer},
 * {@link #trainableState}) and <em>what signal trains it</em> ({@link #signal}). A pipeline combines
 * one method of each role, e.g. {@code lora} + {@code dpo}; everything has a default so a method
 * fills only its own half.
 */
public interface FineTuner {

    String name();

    /** What trains: freeze, unfreeze or attach adapters to the loaded model (and the heads). Default: everything trains. */
    default void configure(Transformer model, Module heads) {
        for (Tensor p : model.parameters()) p.requiresGrad(true);
        if (heads != null) for (Tensor p : heads.parameters()) p.requiresGrad(true);
    }

    /**
     * Called on each block of the base model while it loads, as soon as the block's weights are in and
     * before the next block exists (null, the default: nothing). A method that keeps the frozen base
     * compressed stores the block's linears here (QLoRA's 4-bit base), so a checkpoint is never held in
     * floats whole; {@link #configure} still runs on the loaded model afterwards.
     */
    default Consumer<Block> baseBlockHook() { return null; }

    /** Learning-rate multiplier for a parameter (discriminative learning rates). Default 1. */
    default double learningRateScale(String parameterName) { return 1.0; }

    /** An extra loss term each step (e.g. L2-SP toward the pretrained weights), or null. */
    default Tensor regularizer(Transformer model) { return null; }

    /** What signal trains it: the objective to optimize, or null to use the pipeline's objective. */
    default Objective signal() { return null; }

    /** What a checkpoint of this method must keep (adapter-only methods return just their tensors). Default: all. */
    default Map<String, Tensor> trainableState(Transformer model) { return model.namedParameters(); }

    /**
     * Called once after training, before the pipeline writes the fine-tuned model: write this
     * method's own files under {@code dir} (e.g. the adapter alone in PEFT's layout) and fold
     * into the base weights what can be folded (LoRA and IA3 merge and detach), so the saved
     * model loads as a plain one. Soft prompts and key/value prefixes stay attached; the model
     * directory records them. Default: nothing.
     */
    default void export(Transformer model, Path dir) throws IOException {}

    /**
     * Continue training a saved adapter ({@code finetune.adapter}): instead of a fresh adapter, attach
     * the one saved in {@code adapterDir} (this method's PEFT layout) and leave it and the heads
     * trainable, as {@link #configure} leaves a fresh one; {@link #export} then writes it with the
     * settings read from the directory. Default: this method cannot.
     */
    default void configureFrom(Path adapterDir, Transformer model, Module heads) throws IOException {
        throw new UnsupportedOperationException("fine-tuning method '" + name() + "' cannot continue a saved adapter");
    }

    /** A SIGNAL-role method that is its objective alone (dpo, kto, reward, grpo, rloo, ppo): named {@code name}, {@link #signal} the objective, the rest default. */
    static FineTuner ofSignal(String name, Objective signal) {
        return new FineTuner() {
            @Override public String name() { return name; }

            @Override public Objective signal() { return signal; }

            @Override public String toString() { return signal.toString(); }
        };
    }
}
