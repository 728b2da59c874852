package dev.kiln.finetune.sft;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * Text (and an optional pair) → token ids and token types, the way Hugging Face tokenizers lay out
 * sequence-classification inputs. With [CLS] and [SEP]: {@code [CLS] a [SEP]} or
 * {@code [CLS] a [SEP] b [SEP]} (types 0 for {@code [CLS] a [SEP]}, 1 for {@code b [SEP]} when the
 * model has segment embeddings). Without them: {@code a} or {@code a <sep> b} where the separator is
 * [SEP], else EOS, else nothing. Too long inputs are truncated longest-first to {@code seqLen}.
 */
final class SequenceEncoder {
    /** One encoded row. */
    record Encoded(int[] ids, int[] types) {}

    private final Tokenizer tokenizer;
    private final int cls, sep;
    private final boolean segments;

    SequenceEncoder(Tokenizer tokenizer, boolean segments) {
        this.tokenizer = tokenizer;
        OptionalInt c = tokenizer.special(Tokenizer.CLS), s = tokenizer.special(Tokenizer.SEP), eos = tokenizer.special(Tokenizer.EOS);
        boolean bert = c.isPresent() && s.isPresent();
        this.cls = bert ? c.getAsInt() : -1;
        this.sep = s.isPresent() ? s.getAsInt() : eos.orElse(-1);
        this.segments = segments;
    }

    /** Tokens that a row of this kind adds around the text. */
    int overhead(boolean pair) {
        if (cls >= 0) return pair ? 3 : 2;
        return pair && sep >= 0 ? 1 : 0;
    }

    Encoded encode(String text, String pair, int seqLen) {
        int[] a = tokenizer.encode(text), b = pair == null ? null : tokenizer.encode(pair);
        int budget = seqLen - overhead(b != null);
        if (budget < (b != null ? 2 : 1))
            throw new IllegalArgumentException("sft: sequence length " + seqLen + " leaves no room for text after " + overhead(b != null) + " special tokens");
        int la = a.length, lb = b == null ? 0 : b.length;
        while (la + lb > budget) {
            if (la >= lb) la--;
            else lb--;
        }
        int n = la + lb + overhead(b != null);
        int[] ids = new int[n], types = new int[n];
        int o = 0;
        if (cls >= 0) ids[o++] = cls;
        System.arraycopy(a, 0, ids, o, la);
        o += la;
        if (cls >= 0 || (b != null && sep >= 0)) ids[o++] = sep;
        if (b != null) {
            int start = o;
            System.arraycopy(b, 0, ids, o, lb);
            o += lb;
            if (cls >= 0) ids[o++] = sep;
            if (segments) Arrays.fill(types, start, o, 1);
        }
        return new Encoded(ids, types);
    }
}
