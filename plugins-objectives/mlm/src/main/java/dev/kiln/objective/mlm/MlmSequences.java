package dev.kiln.objective.mlm;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of {@code [CLS] tokens [SEP]} (at most T ids) from a dataset's documents, before masking
 * and padding. Two layouts:
 * <ul>
 *   <li>per document (default): each document's tokens are cut into chunks of T − 2 and every
 *       chunk becomes its own row; the last chunk of a document is usually shorter and is padded
 *       in the batch (HF {@code line_by_line}-style, no text crosses a document boundary);</li>
 *   <li>packed: documents are joined by [SEP] into one stream that is cut into chunks of T − 2
 *       (HF {@code group_texts}-style); only the stream's last row can be short.</li>
 * </ul>
 * The tokenized documents are cached for the last dataset seen (every epoch re-masks them).
 */
final class MlmSequences {
    private final Tokenizer tokenizer;
    private final int cls, sep;
    private Dataset cachedData;
    private List<int[]> cachedDocs;

    MlmSequences(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.cls = tokenizer.requireSpecial(Tokenizer.CLS);
        this.sep = tokenizer.requireSpecial(Tokenizer.SEP);
    }

    /** The rows for sequence length {@code t} (≥ 3), in dataset order. */
    List<int[]> rows(Dataset data, int t, boolean pack) {
        if (t < 3) throw new IllegalArgumentException("objective 'mlm': seq_len must be at least 3 for [CLS] x [SEP], got " + t);
        int room = t - 2;
        List<int[]> out = new ArrayList<>();
        if (!pack) {
            for (int[] doc : documents(data))
                for (int s = 0; s < doc.length; s += room) out.add(wrap(doc, s, Math.min(doc.length, s + room)));
            return out;
        }
        int[] stream = stream(documents(data));
        for (int s = 0; s < stream.length; s += room) {
            int e = Math.min(stream.length, s + room);
            while (s < e && stream[s] == sep) s++;                   // a row never starts with the joining [SEP]
            if (s < e) out.add(wrap(stream, s, e));
        }
        return out;
    }

    private int[] wrap(int[] src, int from, int to) {
        int[] row = new int[to - from + 2];
        row[0] = cls;
        System.arraycopy(src, from, row, 1, to - from);
        row[row.length - 1] = sep;
        return row;
    }

    private int[] stream(List<int[]> docs) {
        long total = 0;
        for (int[] d : docs) total += d.length + 1L;
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("objective 'mlm': too many tokens to pack: " + total);
        int[] s = new int[(int) Math.max(0, total - 1)];
        int pos = 0;
        for (int i = 0; i < docs.size(); i++) {
            if (i > 0) s[pos++] = sep;
            System.arraycopy(docs.get(i), 0, s, pos, docs.get(i).length);
            pos += docs.get(i).length;
        }
        return pos == s.length ? s : Arrays.copyOf(s, pos);
    }

    /** Non-empty tokenized documents, cached for the last dataset. */
    private List<int[]> documents(Dataset data) {
        if (data == cachedData) return cachedDocs;
        List<int[]> docs = new ArrayList<>(data.size());
        for (Example ex : data.examples()) {
            int[] ids = tokenizer.encode(ex.text());
            if (ids.length > 0) docs.add(ids);
        }
        cachedData = data;
        cachedDocs = docs;
        return docs;
    }
}
