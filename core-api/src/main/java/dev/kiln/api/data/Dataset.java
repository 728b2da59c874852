package dev.kiln.api.data;

import java.util.List;

/**
 * A named split of examples (train, validation, test). {@code examples} may be a lazy list (a
 * prepared corpus makes each {@link Example} when asked); {@code tokens}, when not null, holds the
 * same documents already tokenized with the pipeline's tokenizer (a prepared corpus), so an
 * objective can read token ids without re-encoding text.
 */
public record Dataset(String name, List<Example> examples, TokenDocuments tokens) {
    public Dataset(String name, List<Example> examples) {
        this(name, examples, null);
    }

    public int size() { return examples.size(); }

    /** Whether the documents come tokenized (a prepared corpus). */
    public boolean tokenized() { return tokens != null; }
}
