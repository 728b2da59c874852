package dev.kiln.objective.contrastive;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Example;
import dev.kiln.api.tensor.IntTensor;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Helpers for the lazy-batching tests: an example list that counts reads, and batch fingerprints. */
final class LazyData {
    private LazyData() {}

    /** A read-only view of {@code examples} that counts {@link #get} calls. */
    static final class Counting extends AbstractList<Example> {
        final AtomicInteger reads = new AtomicInteger();
        private final List<Example> examples;

        Counting(List<Example> examples) { this.examples = examples; }

        @Override
        public Example get(int index) {
            reads.incrementAndGet();
            return examples.get(index);
        }

        @Override
        public int size() { return examples.size(); }
    }

    /** Every int and float input of a batch, with shapes, and its token count, as text. */
    static String fingerprint(Batch b) {
        StringBuilder sb = new StringBuilder("tokens=").append(b.tokens()).append(';');
        for (var e : b.intInputs().entrySet()) {
            IntTensor t = e.getValue();
            sb.append(e.getKey()).append(t.shape()).append(Arrays.toString(t.data())).append(';');
        }
        return sb.toString();
    }

    /** Fingerprints of every batch, in order. */
    static List<String> fingerprints(Batches batches) {
        return batches.toList().stream().map(LazyData::fingerprint).toList();
    }
}
