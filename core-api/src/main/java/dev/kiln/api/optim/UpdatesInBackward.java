package dev.kiln.api.optim;

/**
 * An optimizer that updates each parameter during the backward pass, as soon as its gradient is
 * complete, and drops that gradient (LOMO). The trainer arms it before the forward pass instead of
 * clipping and stepping after backward; {@link #step} then only closes the step.
 */
public interface UpdatesInBackward extends Optimizer {
    /** Arms the parameters' gradient hooks for one step at this learning rate. */
    void beginStep(double learningRate);

    /** Global L2 norm of the gradients applied since {@link #beginStep} (before any update used them). */
    double gradNorm();
}
