package dev.kiln.api.testing;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small deterministic datasets for plugin contract tests (shipped in core-api's test-jar). */
public final class TestDatasets {
    private static final String[] NAMES = {"Ada", "Ben", "Cleo", "Dev", "Esme", "Finn"};
    private static final String[] PLACES = {"the mill", "the harbour", "the old library", "the orchard"};
    private static final String[] THINGS = {"a red kite", "two blue cups", "a small lamp", "three green apples"};

    private TestDatasets() {}

    /** {@code n} short documents in a field named {@code text}, each naming its index so no two are equal. */
    public static Dataset texts(String name, int n) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String who = NAMES[i % NAMES.length], where = PLACES[(i / 2) % PLACES.length], what = THINGS[(i * 3) % THINGS.length];
            String text = "Story " + i + ". " + who + " went to " + where + " and found " + what + ". "
                    + who + " took it home before dark.";
            out.add(Example.text(text, name + ":" + (i + 1)));
        }
        return new Dataset(name, out);
    }

    /** {@code n} labelled rows with fields {@code text} and {@code label} (0 or 1). */
    public static Dataset labelled(String name, int n) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean happy = i % 2 == 0;
            String text = NAMES[i % NAMES.length] + (happy ? " smiled at " : " frowned at ") + THINGS[i % THINGS.length] + ".";
            out.add(new Example(Map.of("text", text, "label", happy ? 1 : 0), name + ":" + (i + 1), null));
        }
        return new Dataset(name, out);
    }
}
