package dev.kiln.runtime.train;

/** Loss or gradients became NaN/Inf: training stops; the last good checkpoint is left as it was. */
public class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
