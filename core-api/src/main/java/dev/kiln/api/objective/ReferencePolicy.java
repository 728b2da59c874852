package dev.kiln.api.objective;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;

import java.util.function.Function;

/**
 * The frozen policy a preference or RL signal measures the trained one against (TRL's
 * {@code ref_model}). An objective that wants one says so ({@link Objective#needsReference()});
 * the pipeline builds it once, before training, and hands it over ({@link Objective#useReference}):
 * <ul>
 *   <li>{@link #adaptersDisabled}: for adapter methods (lora, QLoRA, ia3, prompt and prefix tuning),
 *       the trained model itself with every adapter off ({@link Transformer#disableAdapters}),
 *       PEFT's {@code disable_adapter()}: no second copy;</li>
 *   <li>{@link #frozen}: otherwise (full and friends), a second copy of the starting model,
 *       every parameter frozen.</li>
 * </ul>
 * Either way {@link #apply} runs without the autograd tape and in evaluation mode (no dropout, as
 * TRL's {@code disable_dropout} default), so a reference forward is deterministic and costs no
 * activations for a backward pass.
 */
public interface ReferencePolicy {

    /** fn on the reference model, without the tape and in evaluation mode; what it changed is restored. */
    <T> T apply(Function<Transformer, T> fn);

    /** "the policy with its adapters disabled" or "a frozen copy of ..." (for messages). */
    String describe();

    /** The trained model with its adapters off for the duration of each call. */
    static ReferencePolicy adaptersDisabled(Transformer model) {
        return new ReferencePolicy() {
            @Override
            public <T> T apply(Function<Transformer, T> fn) {
                boolean training = model.isTraining();
                model.train(false);
                try (var off = model.disableAdapters(); var g = GradMode.noGrad()) {
                    return fn.apply(model);
                } finally {
                    model.train(training);
                }
            }

            @Override
            public String describe() { return "the policy with its adapters disabled"; }
        };
    }

    /** A separate copy of the starting model: frozen (requiresGrad false) and kept in evaluation mode. */
    static ReferencePolicy frozen(Transformer copy, String origin) {
        for (Tensor p : copy.parameters()) p.requiresGrad(false);
        copy.train(false);
        return new ReferencePolicy() {
            @Override
            public <T> T apply(Function<Transformer, T> fn) {
                try (var g = GradMode.noGrad()) {
                    return fn.apply(copy);
                }
            }

            @Override
            public String describe() { return "a frozen copy of " + origin; }
        };
    }
}
