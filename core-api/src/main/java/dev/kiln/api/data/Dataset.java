package dev.kiln.api.data;

import java.util.List;

/** A named split of examples (train, validation, test). */
public record Dataset(String name, List<Example> examples) {
    public int size() { return examples.size(); }
}
