package dev.kiln.finetune.reward;

import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.completion.PreferenceRows;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Example;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * Preference rows → the two whole sequences a reward model scores → batches. Each side is the
 * prompt followed by its completion, tokenized as one sequence (TRL's RewardTrainer joins prompt and
 * completion; every token is context, none is a target), ending with EOS for text rows
 * ({@code add_eos}). A side longer than {@code max_length} (at most the row width, train.seq_len)
 * keeps its last tokens: the reward is read at the last one (TRL drops such rows instead; a lazily
 * made batch cannot, so Kiln cuts the prompt's start).
 *
 * <p>A batch of B pairs is one [2B, L] forward: rows 0..B−1 the chosen sides, B..2B−1 the rejected
 * ones, right-padded with [PAD] (id 0 without one; the mask hides it); keys {@code ids} and
 * {@code attention_mask} [2B, L], float {@code margins} [B] (0 where a row has no {@code margin}).
 */
final class PreferenceSequences {
    /** One tokenized pair and its margin. */
    record Pair(int[] chosen, int[] rejected, float margin) {}

    private final PreferenceRows rows;
    private final PieceEncoder encoder;
    private final int maxLength, pad;

    PreferenceSequences(RewardSettings settings, Tokenizer tokenizer) {
        this.rows = new PreferenceRows(settings.format(), tokenizer);
        this.encoder = new PieceEncoder(tokenizer);
        this.maxLength = settings.maxLength();
        this.pad = tokenizer.special(Tokenizer.PAD).orElse(0);
    }

    /** The pair of a preference row, each side at most {@code width} tokens. */
    Pair encode(Example ex, int width) {
        PreferenceRows.Row row = rows.parse(ex);
        if (row.kind() != PreferenceRows.Kind.PREFERENCE)
            throw new IllegalArgumentException(ex.source() + ": the reward signal needs preference rows {prompt, chosen, rejected} (or chosen and"
                    + " rejected with an implicit prompt), got " + (row.kind() == PreferenceRows.Kind.UNPAIRED
                    ? "an unpaired row (prompt, completion, label: kto's data)" : "a prompt-only row") + " with fields " + ex.fields().keySet());
        int limit = maxLength > 0 ? Math.min(maxLength, width) : width;
        return new Pair(side(row, row.chosen(), limit), side(row, row.rejected(), limit), row.margin() == null ? 0f : row.margin().floatValue());
    }

    private int[] side(PreferenceRows.Row row, Object completion, int limit) {
        int[] ids = encoder.encode(rows.pieces(row, completion), row.source()).ids();
        return ids.length <= limit ? ids : Arrays.copyOfRange(ids, ids.length - limit, ids.length);
    }

    /** The [2B, L] batch of these pairs (see the class comment). */
    Batch batch(List<Pair> pairs) {
        int b = pairs.size(), width = 1;
        for (Pair p : pairs) width = Math.max(width, Math.max(p.chosen().length, p.rejected().length));
        int[] ids = new int[2 * b * width], mask = new int[2 * b * width];
        float[] margins = new float[b];
        Arrays.fill(ids, pad);
        long real = 0;
        for (int i = 0; i < 2 * b; i++) {
            int[] side = i < b ? pairs.get(i).chosen() : pairs.get(i - b).rejected();
            System.arraycopy(side, 0, ids, i * width, side.length);
            Arrays.fill(mask, i * width, i * width + side.length, 1);
            real += side.length;
        }
        for (int i = 0; i < b; i++) margins[i] = pairs.get(i).margin();
        return new Batch()
                .put("ids", new IntTensor(ids, 2 * b, width))                 // [2B, L] chosen rows, then rejected rows
                .put("attention_mask", new IntTensor(mask, 2 * b, width))     // [2B, L] 1 = real
                .put("margins", margins, b)                                   // [B] the rows' margin column (0 when absent)
                .blocks(2)                                                    // example i: rows i and B + i
                .tokens(real);
    }
}
