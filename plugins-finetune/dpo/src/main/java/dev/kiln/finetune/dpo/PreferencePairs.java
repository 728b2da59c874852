package dev.kiln.finetune.dpo;

import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.completion.PreferenceRows;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Example;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * Preference rows → tokenized pairs → batches. Each side is the prompt followed by its completion
 * ({@link PreferenceRows#pieces}: the completion and its EOS train), cut as TRL cuts it: the prompt
 * keeps its last {@code max_prompt_length} tokens, the completion its first
 * {@code max_completion_length}, then the whole keeps {@code max_length} tokens (at most the row
 * width, train.seq_len) from the end ({@code truncation_mode: keep_end}) or the start
 * ({@code keep_start}).
 *
 * <p>A batch of B pairs is one [2B, L] forward: rows 0..B−1 the chosen sides, B..2B−1 the rejected
 * ones, right-padded with [PAD] to the longest; keys {@code ids}, {@code trained} (1 = a completion
 * token whose log-probability counts) and {@code attention_mask} (1 = real), all [2B, L].
 */
final class PreferencePairs {
    /** One tokenized pair. */
    record Pair(PieceEncoder.Encoded chosen, PieceEncoder.Encoded rejected) {
        /** Content key for precomputed reference log-probabilities. */
        Key key() { return new Key(chosen.ids(), rejected.ids()); }
    }

    /** Equality by token content. */
    record Key(int[] chosen, int[] rejected) {
        @Override public boolean equals(Object o) { return o instanceof Key k && Arrays.equals(chosen, k.chosen) && Arrays.equals(rejected, k.rejected); }

        @Override public int hashCode() { return 31 * Arrays.hashCode(chosen) + Arrays.hashCode(rejected); }
    }

    private final DpoSettings settings;
    private final PreferenceRows rows;
    private final PieceEncoder encoder;
    private final int pad;

    PreferencePairs(DpoSettings settings, Tokenizer tokenizer) {
        this.settings = settings;
        this.rows = new PreferenceRows(settings.format(), tokenizer);
        this.encoder = new PieceEncoder(tokenizer);
        this.pad = tokenizer.special(Tokenizer.PAD).orElse(0);
    }

    /** The pair of a preference row, each side at most {@code width} tokens. */
    Pair encode(Example ex, int width) {
        PreferenceRows.Row row = rows.parse(ex);
        if (row.kind() != PreferenceRows.Kind.PREFERENCE)
            throw new IllegalArgumentException(ex.source() + ": dpo needs preference rows {prompt, chosen, rejected} (or chosen and rejected"
                    + " with an implicit prompt), got " + (row.kind() == PreferenceRows.Kind.UNPAIRED ? "an unpaired row (prompt, completion, label: kto's data)"
                    : "a prompt-only row") + " with fields " + ex.fields().keySet());
        return new Pair(side(row, row.chosen(), width), side(row, row.rejected(), width));
    }

    private PieceEncoder.Encoded side(PreferenceRows.Row row, Object completion, int width) {
        PieceEncoder.Encoded e = encoder.encode(rows.pieces(row, completion), row.source());
        int n = e.length(), prompt = 0;
        while (prompt < n && !e.trained()[prompt]) prompt++;
        int from = 0, to = n;
        if (settings.maxPromptLength() > 0 && prompt > settings.maxPromptLength()) from = prompt - settings.maxPromptLength();
        if (settings.maxCompletionLength() > 0 && n - prompt > settings.maxCompletionLength()) to = prompt + settings.maxCompletionLength();
        int limit = settings.maxLength() > 0 ? Math.min(settings.maxLength(), width) : width;
        if (to - from > limit) {
            if (settings.keepEnd()) from = to - limit;
            else to = from + limit;
        }
        return new PieceEncoder.Encoded(Arrays.copyOfRange(e.ids(), from, to), Arrays.copyOfRange(e.trained(), from, to), e.source());
    }

    /** The [2B, L] batch of these pairs (see the class comment). */
    Batch batch(List<Pair> pairs) {
        int b = pairs.size(), width = 1;
        for (Pair p : pairs) width = Math.max(width, Math.max(p.chosen().length(), p.rejected().length()));
        int[] ids = new int[2 * b * width], trained = new int[2 * b * width], mask = new int[2 * b * width];
        Arrays.fill(ids, pad);
        long real = 0;
        for (int i = 0; i < 2 * b; i++) {
            PieceEncoder.Encoded e = i < b ? pairs.get(i).chosen() : pairs.get(i - b).rejected();
            int o = i * width;
            System.arraycopy(e.ids(), 0, ids, o, e.length());
            for (int t = 0; t < e.length(); t++) {
                trained[o + t] = e.trained()[t] ? 1 : 0;
                mask[o + t] = 1;
            }
            real += e.length();
        }
        return new Batch()
                .put("ids", new IntTensor(ids, 2 * b, width))                 // [2B, L] chosen rows, then rejected rows
                .put("trained", new IntTensor(trained, 2 * b, width))         // [2B, L] 1 = completion token
                .put("attention_mask", new IntTensor(mask, 2 * b, width))     // [2B, L] 1 = real
                .blocks(2)                                                    // example i: rows i and B + i
                .tokens(real);
    }
}
