package dev.kiln.api.testing;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A generated preference task for the alignment signals' "does it learn" tests (dpo, reward, kto):
 * the prompt is three letters of a..h; the chosen completion is the letter after the last one
 * (h wraps to a), the rejected one any other letter. Telling them apart needs the pair (last prompt
 * letter, completion letter). A random tiny model has no preference.
 */
public final class NextLetterTask {
    public static final List<String> LETTERS = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    public static final WordTokenizer TOKENIZER = new WordTokenizer(LETTERS);
    /** A causal GPT-2 shape for the task, without dropout: d_model 32, 2 layers, 4 heads, 16 positions. */
    public static final TransformerConfig MODEL = TransformerConfig.gpt2(TOKENIZER.vocabSize(), 32, 2, 4, 16).toBuilder().dropout(0f).build();

    /** One prompt with its chosen (the next letter) and a rejected completion. */
    public record Pair(String prompt, String chosen, String rejected) {}

    private NextLetterTask() {}

    public static List<Pair> pairs(int n, long seed) {
        Random rng = new Random(seed);
        List<Pair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> prompt = new ArrayList<>();
            for (int k = 0; k < 3; k++) prompt.add(LETTERS.get(rng.nextInt(LETTERS.size())));
            int next = (LETTERS.indexOf(prompt.get(2)) + 1) % LETTERS.size();
            int wrong = (next + 1 + rng.nextInt(LETTERS.size() - 1)) % LETTERS.size();
            out.add(new Pair(String.join(" ", prompt), LETTERS.get(next), LETTERS.get(wrong)));
        }
        return out;
    }

    /** TRL preference rows {@code {prompt, chosen, rejected}}, sources {@code name:line}. */
    public static Dataset preferenceRows(String name, int n, long seed) {
        List<Example> out = new ArrayList<>();
        List<Pair> pairs = pairs(n, seed);
        for (int i = 0; i < n; i++) {
            Pair p = pairs.get(i);
            out.add(new Example(Map.of("prompt", p.prompt(), "chosen", p.chosen(), "rejected", p.rejected()), name + ":" + (i + 1), null));
        }
        return new Dataset(name, out);
    }
}
