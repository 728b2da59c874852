package dev.kiln.samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated SST-2-shaped files (header {@code label<TAB>sentence}, labels 0 / 1): filler words
 * with sentiment words mixed in; "not" before a sentiment word flips it. The label is the sign of
 * the sum (ties are dropped). Positive is about 55 %, so the majority baseline is about 0.55.
 */
final class SentimentFiles {
    static final List<String> POSITIVE = List.of("great", "lovely", "superb", "wonderful", "charming", "brilliant", "moving", "funny");
    static final List<String> NEGATIVE = List.of("awful", "dull", "tedious", "dreadful", "boring", "clumsy", "bland", "painful");
    static final List<String> FILLER = List.of("the", "a", "film", "story", "cast", "was", "plot", "and", "ending", "music",
            "scenes", "felt", "quite", "really", "at", "times", "its", "director", "script", "overall");

    private SentimentFiles() {}

    /** Writes n rows to file; returns the majority-class share. */
    static double write(Path file, int n, long seed) throws IOException {
        Random rng = new Random(seed);
        List<String> lines = new ArrayList<>(List.of("label\tsentence"));
        int positives = 0;
        while (lines.size() <= n) {
            List<String> words = new ArrayList<>();
            int len = 4 + rng.nextInt(6), score = 0;
            for (int w = 0; w < len; w++) words.add(FILLER.get(rng.nextInt(FILLER.size())));
            int cues = 1 + rng.nextInt(2);
            for (int c = 0; c < cues; c++) {
                boolean positive = rng.nextDouble() < 0.55;
                boolean negated = rng.nextDouble() < 0.25;
                String word = (positive ? POSITIVE : NEGATIVE).get(rng.nextInt(POSITIVE.size()));
                int at = rng.nextInt(words.size() + 1);
                words.add(at, word);
                if (negated) words.add(at, "not");
                score += (positive ? 1 : -1) * (negated ? -1 : 1);
            }
            if (score == 0) continue;
            lines.add((score > 0 ? 1 : 0) + "\t" + String.join(" ", words));
            if (score > 0) positives++;
        }
        Files.write(file, lines);
        return Math.max(positives, n - positives) / (double) n;
    }
}
