package dev.kiln.objective.contrastive;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Paraphrase-like pairs from templates: the anchor "the red fox runs near the river" and its
 * positive "by the stream a crimson vixen sprints" share no content word, only synonyms, so
 * a model must learn which words mean the same. The hard negative changes one slot.
 */
final class Pairs {
    static final String[][] COLOURS = {{"red", "crimson"}, {"blue", "azure"}, {"green", "emerald"}, {"yellow", "golden"}};
    static final String[][] ANIMALS = {{"fox", "vixen"}, {"dog", "hound"}, {"cat", "kitten"}, {"bird", "sparrow"}, {"horse", "stallion"}};
    static final String[][] VERBS = {{"runs", "sprints"}, {"sleeps", "rests"}, {"eats", "dines"}, {"jumps", "leaps"}};
    static final String[][] PLACES = {{"near the river", "by the stream"}, {"in the park", "within the garden"},
            {"on the hill", "atop the mound"}, {"at home", "inside the house"}};

    private Pairs() {}

    static List<String> vocabulary() {
        List<String> w = new ArrayList<>(List.of("the", "a"));
        for (String[][] group : new String[][][] {COLOURS, ANIMALS, VERBS, PLACES})
            for (String[] pair : group) for (String s : pair) w.addAll(List.of(s.split(" ")));
        return w;
    }

    /** Every combination, split into train and held-out (every fifth combination by a fixed hash). */
    static Dataset pairs(boolean heldOut, boolean negatives) {
        List<Example> out = new ArrayList<>();
        int idx = 0;
        for (int c = 0; c < COLOURS.length; c++)
            for (int a = 0; a < ANIMALS.length; a++)
                for (int v = 0; v < VERBS.length; v++)
                    for (int p = 0; p < PLACES.length; p++, idx++) {
                        boolean test = Math.floorMod(idx * 2654435761L, 5) == 0;
                        if (test != heldOut) continue;
                        Map<String, Object> f = new LinkedHashMap<>();
                        f.put("anchor", "the " + COLOURS[c][0] + " " + ANIMALS[a][0] + " " + VERBS[v][0] + " " + PLACES[p][0]);
                        f.put("positive", PLACES[p][1] + " a " + COLOURS[c][1] + " " + ANIMALS[a][1] + " " + VERBS[v][1]);
                        if (negatives) {
                            int a2 = (a + 1) % ANIMALS.length;
                            f.put("negative", PLACES[p][1] + " a " + COLOURS[c][1] + " " + ANIMALS[a2][1] + " " + VERBS[v][1]);
                        }
                        out.add(new Example(f, "pairs:" + idx, null));
                    }
        return new Dataset(heldOut ? "held-out" : "train", out);
    }
}
