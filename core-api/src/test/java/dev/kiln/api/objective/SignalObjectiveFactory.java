package dev.kiln.api.objective;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTunerFactory;

import java.util.function.Function;

/**
 * A SIGNAL-role fine-tuning method seen as an {@link ObjectiveFactory}, so its objective can run the
 * {@link ObjectiveContract}: {@code create} returns the method's {@code signal()}, given a reference
 * policy first when it needs one (the pipeline's job at run time), e.g.
 * {@code new SignalObjectiveFactory(new DpoFineTunerFactory(), ctx -> ReferencePolicy.frozen(...))}.
 */
public final class SignalObjectiveFactory implements ObjectiveFactory {
    private final FineTunerFactory signal;
    private final Function<ObjectiveContext, ReferencePolicy> reference;

    /** @param reference the reference for an objective that {@linkplain Objective#needsReference() needs one}, or null */
    public SignalObjectiveFactory(FineTunerFactory signal, Function<ObjectiveContext, ReferencePolicy> reference) {
        this.signal = signal;
        this.reference = reference;
    }

    @Override public String name() { return signal.name(); }

    @Override public String apiVersion() { return signal.apiVersion(); }

    @Override
    public Objective create(Config config, ObjectiveContext context) {
        Objective o = signal.create(config, context).signal();
        if (o.needsReference()) o.useReference(reference.apply(context));
        return o;
    }
}
