package dev.kiln.finetune.sft;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A generated sentiment-like task: 5–9 filler words with one word from a positive or a negative
 * list mixed in (or none: neutral). Labels are names ("positive", "negative", "neutral") with
 * shares 45 / 35 / 20 %, so the majority-class baseline is about 45 %.
 */
final class SentimentTask {
    static final List<String> POSITIVE = List.of("great", "lovely", "superb", "wonderful", "delightful", "charming", "brilliant", "moving");
    static final List<String> NEGATIVE = List.of("awful", "dull", "tedious", "dreadful", "boring", "clumsy", "bland", "painful");
    static final List<String> FILLER = List.of("the", "a", "film", "story", "cast", "was", "plot", "and", "ending", "music",
            "scenes", "felt", "quite", "really", "at", "times", "its", "director", "script", "overall");

    private SentimentTask() {}

    static List<String> vocabulary() {
        List<String> v = new ArrayList<>(FILLER);
        v.addAll(POSITIVE);
        v.addAll(NEGATIVE);
        return v;
    }

    static Dataset generate(String name, int n, long seed) {
        Random rng = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double u = rng.nextDouble();
            String label = u < 0.45 ? "positive" : u < 0.80 ? "negative" : "neutral";
            List<String> words = new ArrayList<>();
            int len = 5 + rng.nextInt(5);
            for (int w = 0; w < len; w++) words.add(FILLER.get(rng.nextInt(FILLER.size())));
            if (!label.equals("neutral")) {
                List<String> pick = label.equals("positive") ? POSITIVE : NEGATIVE;
                words.add(rng.nextInt(words.size() + 1), pick.get(rng.nextInt(pick.size())));
            }
            out.add(new Example(Map.of("text", String.join(" ", words), "label", label), name + ":" + (i + 1), null));
        }
        return new Dataset(name, out);
    }

    /** Accuracy of always predicting the most frequent label of {@code data}. */
    static double majorityBaseline(Dataset data) {
        Map<String, Integer> counts = new java.util.HashMap<>();
        for (Example e : data.examples()) counts.merge(e.string("label"), 1, Integer::sum);
        return counts.values().stream().mapToInt(Integer::intValue).max().orElse(0) / (double) data.size();
    }
}
