package dev.kiln.runtime.hf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What loading a checkpoint did besides copying tensors, as transformers reports it on
 * {@code from_pretrained}: tensors in the file the architecture has no place for (not used),
 * tensors the architecture has but the file lacks (newly initialized), and legacy names fixed on
 * load ({@code LayerNorm.gamma} / {@code .beta} → {@code .weight} / {@code .bias}). Names are the
 * checkpoint's (Hugging Face) names, sorted. {@link #warnings()} words the first two as transformers does.
 *
 * @param checkpoint       the model directory
 * @param architecture     the class it was loaded as
 * @param unused           tensors in the file that were not used
 * @param newlyInitialized tensors of the architecture missing from the file, initialized instead
 * @param renamed          legacy name in the file → the name it was loaded as
 */
public record LoadReport(String checkpoint, String architecture, List<String> unused, List<String> newlyInitialized,
                         Map<String, String> renamed) {

    public LoadReport {
        unused = List.copyOf(unused);
        newlyInitialized = List.copyOf(newlyInitialized);
        renamed = Collections.unmodifiableMap(new LinkedHashMap<>(renamed));
    }

    /** Whether every tensor of the file was used and every tensor of the architecture came from it. */
    public boolean isExact() {
        return unused.isEmpty() && newlyInitialized.isEmpty();
    }

    /** One message per kind of mismatch, worded like transformers' warnings; empty when {@link #isExact()}. */
    public List<String> warnings() {
        List<String> w = new ArrayList<>();
        if (!unused.isEmpty())
            w.add("Some weights of the model checkpoint at " + checkpoint + " were not used when initializing " + architecture + ": "
                    + unused + " (expected when the checkpoint was saved from another architecture or task, e.g. a pretraining "
                    + "model loaded for masked LM; not expected when the two should be identical)");
        if (!newlyInitialized.isEmpty())
            w.add("Some weights of " + architecture + " were not initialized from the model checkpoint at " + checkpoint
                    + " and are newly initialized: " + newlyInitialized
                    + " (you should probably train this model on a downstream task before using it for predictions)");
        return w;
    }
}
