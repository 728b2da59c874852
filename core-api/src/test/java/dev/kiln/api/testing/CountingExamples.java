package dev.kiln.api.testing;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;

import java.util.AbstractList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Examples that count {@link #get} calls (what a lazy corpus would read from disk), or refuse them
 * ({@link #refusing}: a prepared corpus whose text an objective should not need): the lazy-batching
 * tests show with it that making an epoch reads nothing and a batch reads only its own examples.
 */
public final class CountingExamples extends AbstractList<Example> {
    private final List<Example> examples;
    private final boolean refuse;
    private final AtomicLong reads = new AtomicLong();

    public CountingExamples(List<Example> examples) { this(examples, false); }

    private CountingExamples(List<Example> examples, boolean refuse) {
        this.examples = examples;
        this.refuse = refuse;
    }

    /** A list whose every read fails the test. */
    public static CountingExamples refusing(List<Example> examples) { return new CountingExamples(examples, true); }

    /** The dataset under the same name and tokens, its examples read through a counting list. */
    public static Dataset wrap(Dataset data) { return new Dataset(data.name(), new CountingExamples(data.examples()), data.tokens()); }

    /** The counting list of a dataset made by {@link #wrap}. */
    public static CountingExamples of(Dataset data) { return (CountingExamples) data.examples(); }

    @Override
    public Example get(int index) {
        if (refuse) throw new AssertionError("example " + index + " was read; the tokens should have been used");
        reads.incrementAndGet();
        return examples.get(index);
    }

    @Override
    public int size() { return examples.size(); }

    public long reads() { return reads.get(); }
}
