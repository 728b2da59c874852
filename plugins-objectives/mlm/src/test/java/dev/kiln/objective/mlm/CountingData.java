package dev.kiln.objective.mlm;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.data.TokenDocuments;

import java.util.AbstractList;
import java.util.List;

/** Datasets that count what is read from them, to show that batches are made from the documents they need only. */
final class CountingData {
    private CountingData() {}

    /** Examples that count {@code get} calls, or refuse them ({@code refuse}: a tokenized corpus whose text must not be read). */
    static final class Examples extends AbstractList<Example> {
        private final List<Example> inner;
        private final boolean refuse;
        int gets;

        Examples(List<Example> inner, boolean refuse) {
            this.inner = inner;
            this.refuse = refuse;
        }

        @Override
        public Example get(int index) {
            if (refuse) throw new AssertionError("example " + index + " was read; the tokens should have been used");
            gets++;
            return inner.get(index);
        }

        @Override
        public int size() { return inner.size(); }
    }

    /** Token documents that count the tokens copied out of them. */
    static final class Tokens implements TokenDocuments {
        private final TokenDocuments inner;
        long tokensRead;

        Tokens(TokenDocuments inner) { this.inner = inner; }

        @Override
        public long documentCount() { return inner.documentCount(); }

        @Override
        public long tokenCount() { return inner.tokenCount(); }

        @Override
        public long start(long doc) { return inner.start(doc); }

        @Override
        public void read(long offset, int[] dst, int dstOffset, int length) {
            tokensRead += length;
            inner.read(offset, dst, dstOffset, length);
        }
    }

    /** {@code data} with counted example reads. */
    static Dataset counted(Dataset data) {
        return new Dataset(data.name(), new Examples(data.examples(), false), data.tokens());
    }

    /** {@code data} as a prepared corpus: counted token reads, text that must not be read. */
    static Dataset tokenizedOnly(Dataset data, TokenDocuments tokens) {
        return new Dataset(data.name(), new Examples(data.examples(), true), new Tokens(tokens));
    }
}
