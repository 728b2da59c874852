package dev.kiln.objective.mlm;

import dev.kiln.api.data.SeparatedStream;
import dev.kiln.api.data.TokenDocuments;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Random;

/**
 * The packed layout (RoBERTa's FULL-SENTENCES, Hugging Face's {@code group_texts}): the documents
 * joined by [SEP] into one {@link SeparatedStream} of n tokens, cut into blocks of R = T − 2, so
 * every token is in exactly one row per epoch. Row k = {@code [CLS] stream[kR, min(n, kR + R)) [SEP]}
 * with any joining [SEP] at the block's start dropped (a row never starts with one); ⌈n / R⌉ rows,
 * only the last (or one that began with separators) shorter. A row is read straight from the
 * documents: no copy of the stream and no draws from the random stream.
 */
final class PackedRows implements MlmRows {
    private final SeparatedStream stream;
    private final int cls, sep, room;

    PackedRows(TokenDocuments documents, Tokenizer tokenizer, int t) {
        this.cls = tokenizer.requireSpecial(Tokenizer.CLS);
        this.sep = tokenizer.requireSpecial(Tokenizer.SEP);
        this.room = MlmRows.room(t);
        this.stream = new SeparatedStream(documents, sep);
    }

    @Override
    public long count() { return (stream.length() + room - 1) / room; }

    @Override
    public int length(long block, Random rng) {
        long from = block * room;
        int n = (int) Math.min(room, stream.length() - from), s = 0;
        int[] one = new int[1];
        while (s < n) {                                              // only the joining [SEP]s at the start are dropped
            stream.read(from + s, one, 0, 1);
            if (one[0] != sep) break;
            s++;
        }
        return n - s + 2;
    }

    @Override
    public int[] row(long block, Random rng) {
        long from = block * room;
        int n = (int) Math.min(room, stream.length() - from);
        int[] tokens = new int[n];
        stream.read(from, tokens, 0, n);
        int s = 0;
        while (s < n && tokens[s] == sep) s++;                       // the joining [SEP] of the previous document
        return MlmRows.wrap(cls, sep, tokens, s, n);
    }
}
