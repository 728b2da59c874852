package dev.kiln.objective.mlm;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.TokenDocuments;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Random;

/**
 * The per-document layout: row d of the epoch is document d (RoBERTa's DOC-SENTENCES, one
 * segment per document per epoch). A document's tokens are cut into aligned chunks of R = T − 2
 * ([0, R), [R, 2R), …; the last usually shorter) and the row is {@code [CLS] chunk [SEP]} for one
 * chunk drawn uniformly from the batch's random stream (no draw for a document of ≤ R tokens, its
 * only chunk). So every chunk is equally likely each epoch, and over epochs every token is seen,
 * but an epoch trains on one chunk of a long document: use {@code pack} to see every token once
 * per epoch. Short rows are padded in the batch. An empty document gives {@code [CLS] [SEP]},
 * which predicts nothing.
 *
 * <p>Documents are read by index: a {@linkplain Dataset#tokenized() prepared} corpus's token ids
 * (only the chosen chunk is read), otherwise the example's text, encoded when its row is made.
 */
final class DocumentRows implements MlmRows {
    private final Dataset data;
    private final TokenDocuments tokens;     // null: encode the text
    private final Tokenizer tokenizer;
    private final int cls, sep, room;

    DocumentRows(Dataset data, Tokenizer tokenizer, int t) {
        this.data = data;
        this.tokens = data.tokens();
        this.tokenizer = tokenizer;
        this.cls = tokenizer.requireSpecial(Tokenizer.CLS);
        this.sep = tokenizer.requireSpecial(Tokenizer.SEP);
        this.room = MlmRows.room(t);
    }

    @Override
    public long count() { return tokens != null ? tokens.documentCount() : data.size(); }

    @Override
    public int[] row(long doc, Random rng) {
        if (tokens == null) {
            int[] ids = tokenizer.encode(data.examples().get(Math.toIntExact(doc)).text());
            int from = chunkStart(ids.length, rng);
            return MlmRows.wrap(cls, sep, ids, from, Math.min(ids.length, from + room));
        }
        int length = tokens.length(doc), from = chunkStart(length, rng), n = Math.min(length, from + room) - from;
        int[] row = new int[n + 2];
        row[0] = cls;
        tokens.read(tokens.start(doc) + from, row, 1, n);
        row[n + 1] = sep;
        return row;
    }

    @Override
    public int length(long doc, Random rng) {
        if (tokens == null) return row(doc, rng).length;
        int length = tokens.length(doc), from = chunkStart(length, rng);
        return Math.min(length, from + room) - from + 2;
    }

    /** First token of the chunk drawn from a document of {@code length} tokens. */
    private int chunkStart(int length, Random rng) {
        int chunks = (length + room - 1) / room;
        return chunks <= 1 ? 0 : rng.nextInt(chunks) * room;
    }
}
