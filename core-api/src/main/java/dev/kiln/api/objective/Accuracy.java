package dev.kiln.api.objective;

/**
 * Argmax accuracy on host logits, for objectives' evaluation metrics (the logits leave the backend,
 * so objectives compute this in evaluation only).
 */
public final class Accuracy {
    private Accuracy() {}

    /** How many rows were predicted right out of how many counted. */
    public record Counts(long correct, long counted) {
        public double rate() { return counted == 0 ? 0.0 : (double) correct / counted; }
    }

    /** The arg-max class of each row of logits [rows, classes] (the first on ties). */
    public static int[] argmax(float[] logits, int rows, int classes) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int base = r * classes, best = 0;
            for (int c = 1; c < classes; c++) if (logits[base + c] > logits[base + best]) best = c;
            out[r] = best;
        }
        return out;
    }

    /** Rows of logits [rows, classes] whose arg-max equals the target; rows whose target is ignoreIndex are not counted. */
    public static Counts of(float[] logits, int[] targets, int classes, int ignoreIndex) {
        int[] pred = argmax(logits, targets.length, classes);
        long correct = 0, counted = 0;
        for (int r = 0; r < targets.length; r++) {
            if (targets[r] == ignoreIndex) continue;
            if (pred[r] == targets[r]) correct++;
            counted++;
        }
        return new Counts(correct, counted);
    }
}
