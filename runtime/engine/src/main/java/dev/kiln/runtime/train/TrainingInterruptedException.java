package dev.kiln.runtime.train;

/** Training stopped on a {@link StopRequest} (SIGTERM / SIGINT) at a step boundary; the message says where to resume from. */
public class TrainingInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    public TrainingInterruptedException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** What stopped it, e.g. SIGTERM. */
    public String reason() { return reason; }
}
