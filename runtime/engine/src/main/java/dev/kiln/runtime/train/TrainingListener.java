package dev.kiln.runtime.train;

import java.nio.file.Path;
import java.util.Map;

/** Progress callbacks (a progress bar, a log). Every method is optional. */
public interface TrainingListener {
    /** One optimizer step. */
    record StepReport(long step, long totalSteps, double loss, double lr, double gradNorm, long tokens,
                      double tokensPerSecond, double stepSeconds) {}

    default void onStart(long fromStep, long totalSteps) {}

    default void onStep(StepReport report) {}

    default void onEval(long step, Map<String, Double> metrics) {}

    default void onCheckpoint(long step, Path dir) {}

    default void onEnd(long step) {}

    /** A one-line notice for the user (trainable parameters, early stopping, ...). */
    default void onMessage(String line) {}

    TrainingListener NONE = new TrainingListener() {};
}
