package dev.kiln.api.optim;

/**
 * An optimizer that updates each parameter during the backward pass, as soon as its gradient is
 * complete, and drops that gradient (LOMO). The trainer arms it before the forward pass instead of
 * clipping and stepping after backward; {@link #step} then only closes the step.
 */
public interface UpdatesInBackward extends Optimizer {
    /** Arms the parameters' gradient hooks for one step at this learning rate, each gradient scaled by gradScale first (clipping). */
    void beginStep(double learningRate, double gradScale);

    /** {@link #beginStep(double, double)} without clipping. */
    default void beginStep(double learningRate) { beginStep(learningRate, 1); }

    /**
     * Arms the hooks for a pass that only measures {@link #gradNorm} (gradients dropped, no update):
     * LOMO's first backward when gradients are clipped by their global norm.
     */
    void beginNormPass();

    /** Global L2 norm of the gradients seen since {@link #beginStep} or {@link #beginNormPass}, before any scaling. */
    double gradNorm();
}
