package dev.kiln.finetune.sft;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A generated instruction task over the letters a–h: prompt {@code "reverse c a f ->"} →
 * completion {@code "f a c"}, or {@code "copy c a f ->"} → {@code "c a f"}, lists of 3–5 letters.
 * The completion depends on the instruction word and on every prompt letter, so a model that
 * ignores the prompt cannot do better than guessing letters.
 */
final class InstructionTask {
    static final List<String> LETTERS = List.of("a", "b", "c", "d", "e", "f", "g", "h");

    private InstructionTask() {}

    static List<String> vocabulary() {
        List<String> v = new ArrayList<>(LETTERS);
        v.addAll(List.of("reverse", "copy", "->"));
        return v;
    }

    static Dataset generate(String name, int n, long seed) {
        Random rng = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> letters = new ArrayList<>();
            for (int k = 0, len = 3 + rng.nextInt(3); k < len; k++) letters.add(LETTERS.get(rng.nextInt(LETTERS.size())));
            boolean reverse = rng.nextBoolean();
            List<String> answer = new ArrayList<>(letters);
            if (reverse) java.util.Collections.reverse(answer);
            out.add(InstructionFixtures.pair(name + ":" + (i + 1), (reverse ? "reverse " : "copy ") + String.join(" ", letters) + " ->",
                    String.join(" ", answer)));
        }
        return new Dataset(name, out);
    }

    /**
     * Completion-token accuracy on {@code test} of the best prompt-blind guess: per completion
     * position (0, 1, ... and the EOS after the last letter), the most frequent token there in
     * {@code train}.
     */
    static double positionalMajorityBaseline(Dataset train, Dataset test) {
        Map<Integer, Map<String, Integer>> counts = new HashMap<>();
        for (Example e : train.examples()) {
            List<String> tokens = tokens(e);
            for (int i = 0; i < tokens.size(); i++) counts.computeIfAbsent(i, k -> new HashMap<>()).merge(tokens.get(i), 1, Integer::sum);
        }
        long right = 0, total = 0;
        for (Example e : test.examples()) {
            List<String> tokens = tokens(e);
            for (int i = 0; i < tokens.size(); i++) {
                Map<String, Integer> c = counts.getOrDefault(i, Map.of());
                String guess = c.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
                if (guess.equals(tokens.get(i))) right++;
                total++;
            }
        }
        return (double) right / total;
    }

    private static List<String> tokens(Example e) {
        List<String> t = new ArrayList<>(List.of(e.string("completion").split(" ")));
        t.add("<eos>");
        return t;
    }
}
