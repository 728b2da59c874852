package dev.kiln.api.data;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Arrays;

/** Token documents held in one int array (small corpora, tests): the in-memory twin of a prepared corpus. */
public final class ArrayTokenDocuments implements TokenDocuments {
    private final int[] tokens;
    private final long[] starts;       // [documents + 1]

    public ArrayTokenDocuments(int[] tokens, long[] starts) {
        if (starts.length == 0 || starts[0] != 0 || starts[starts.length - 1] != tokens.length)
            throw new IllegalArgumentException("document starts must run from 0 to the token count " + tokens.length);
        for (int i = 1; i < starts.length; i++)
            if (starts[i] < starts[i - 1]) throw new IllegalArgumentException("document starts must not decrease (at " + i + ")");
        this.tokens = tokens;
        this.starts = starts;
    }

    /** Each example's {@code text}, encoded. */
    public static ArrayTokenDocuments tokenize(Dataset data, Tokenizer tokenizer) {
        int n = data.size();
        int[][] docs = new int[n][];
        long[] starts = new long[n + 1];
        for (int i = 0; i < n; i++) {
            docs[i] = tokenizer.encode(data.examples().get(i).text());
            starts[i + 1] = starts[i] + docs[i].length;
        }
        if (starts[n] > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("dataset '" + data.name() + "' has " + starts[n]
                    + " tokens, too many to hold in memory: prepare it with `kiln prepare` and name the prepared directory in data.train");
        int[] all = new int[(int) starts[n]];
        for (int i = 0; i < n; i++) System.arraycopy(docs[i], 0, all, (int) starts[i], docs[i].length);
        return new ArrayTokenDocuments(all, starts);
    }

    /** Documents given as arrays. */
    public static ArrayTokenDocuments of(int[]... documents) {
        long[] starts = new long[documents.length + 1];
        for (int i = 0; i < documents.length; i++) starts[i + 1] = starts[i] + documents[i].length;
        int[] all = new int[Math.toIntExact(starts[documents.length])];
        for (int i = 0; i < documents.length; i++) System.arraycopy(documents[i], 0, all, (int) starts[i], documents[i].length);
        return new ArrayTokenDocuments(all, starts);
    }

    @Override
    public long documentCount() { return starts.length - 1; }

    @Override
    public long tokenCount() { return tokens.length; }

    @Override
    public long start(long doc) { return starts[Math.toIntExact(doc)]; }

    @Override
    public void read(long offset, int[] dst, int dstOffset, int length) {
        if (offset < 0 || offset + length > tokens.length)
            throw new IndexOutOfBoundsException("tokens [" + offset + ", " + (offset + length) + ") of " + tokens.length);
        System.arraycopy(tokens, (int) offset, dst, dstOffset, length);
    }

    @Override
    public long documentAt(long offset) {
        int i = Arrays.binarySearch(starts, offset);
        if (i >= 0) {
            while (i + 1 < starts.length - 1 && starts[i + 1] == offset) i++;      // skip empty documents starting here
            return i;
        }
        return -i - 2;
    }
}
