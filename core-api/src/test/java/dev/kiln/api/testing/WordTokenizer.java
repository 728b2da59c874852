package dev.kiln.api.testing;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whitespace word tokenizer over a fixed word list, for learning tests: one id per word keeps
 * sequences short, so a tiny model learns in seconds. Specials first: EOS, PAD, MASK, CLS, SEP,
 * UNK = 0..5; words from 6. Decoding joins words with spaces.
 */
public final class WordTokenizer implements Tokenizer {
    private final Map<String, Integer> specials = new LinkedHashMap<>();
    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private final List<String> words = new ArrayList<>();

    public WordTokenizer(List<String> vocabulary) {
        for (String s : new String[] {EOS, PAD, MASK, CLS, SEP, UNK}) {
            specials.put(s, words.size());
            words.add(s);
        }
        for (String w : vocabulary) if (!ids.containsKey(w) && !specials.containsKey(w)) {
            ids.put(w, words.size());
            words.add(w);
        }
    }

    @Override public String name() { return "test-words"; }

    @Override public int vocabSize() { return words.size(); }

    @Override
    public int[] encode(String text) {
        String[] parts = text.trim().isEmpty() ? new String[0] : text.trim().split("\\s+");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = ids.getOrDefault(parts[i], specials.get(UNK));
        return out;
    }

    @Override
    public String decode(int[] tokens, boolean skipSpecial) {
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) {
            if (skipSpecial && t < specials.size()) continue;
            if (sb.length() > 0) sb.append(' ');
            sb.append(words.get(t));
        }
        return sb.toString();
    }

    int id(String word) { return ids.get(word); }

    @Override public Map<String, Integer> specialTokens() { return Collections.unmodifiableMap(specials); }
}
