package dev.kiln.finetune.kto;

import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.completion.PreferenceRows;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Example;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Unpaired rows {@code {prompt, completion, label}} ({@link PreferenceRows}, kind UNPAIRED) →
 * tokenized examples → batches. Each example is its prompt followed by its completion (the
 * completion and its EOS train), cut as TRL's KTOTrainer cuts it: the prompt keeps its last
 * {@code max_prompt_length} tokens, then a whole longer than {@code max_length} (at most the row
 * width, train.seq_len) loses the completion's end; a prompt that alone fills the limit keeps its
 * last limit − 1 tokens and one completion token.
 *
 * <p><b>KL rows</b>: TRL estimates the reference point z from mismatched pairs made inside the batch,
 * each prompt with the completion of the example before it (the first with the last's):
 * row i of the KL half is prompt(i) + completion(i − 1 mod B). A batch of one pairs its example with itself.
 *
 * <p>A batch of B examples: {@code ids}, {@code trained} (1 = a completion token whose log-probability
 * counts), {@code attention_mask}, all [2B, L] (rows 0..B−1 the examples, B..2B−1 the KL rows,
 * right-padded with [PAD]); {@code labels} [2B] (1 = desirable, 0 = undesirable; {@link #KL_ROW} for the KL rows), so
 * every input has the same 2B rows and a data-parallel worker's strided share (rows r, r + N, …) is again its
 * examples followed by their KL rows whenever N divides B.
 */
final class UnpairedExamples {
    /** The label of a KL row: it has none. */
    static final int KL_ROW = -1;

    /** One tokenized example: its row (for the KL pairing) and its encoding. */
    record Encoded(PreferenceRows.Row row, PieceEncoder.Encoded tokens) {}

    private final KtoSettings settings;
    private final PreferenceRows rows;
    private final PieceEncoder encoder;
    private final int pad;

    UnpairedExamples(KtoSettings settings, Tokenizer tokenizer) {
        this.settings = settings;
        this.rows = new PreferenceRows(settings.format(), tokenizer);
        this.encoder = new PieceEncoder(tokenizer);
        this.pad = tokenizer.special(Tokenizer.PAD).orElse(0);
    }

    /** The example of an unpaired row, at most {@code width} tokens. */
    Encoded encode(Example ex, int width) {
        PreferenceRows.Row row = rows.parse(ex);
        if (row.kind() != PreferenceRows.Kind.UNPAIRED)
            throw new IllegalArgumentException(ex.source() + ": kto needs unpaired rows {prompt, completion, label}, got "
                    + (row.kind() == PreferenceRows.Kind.PREFERENCE ? "a preference row (prompt, chosen, rejected: dpo's or reward's data)"
                    : "a prompt-only row") + " with fields " + ex.fields().keySet());
        return new Encoded(row, encode(row, row.completion(), width));
    }

    /** prompt(row) + completion, cut to the limit (see the class comment). */
    PieceEncoder.Encoded encode(PreferenceRows.Row row, Object completion, int width) {
        PieceEncoder.Encoded e = encoder.encode(rows.pieces(row, completion), row.source());
        int n = e.length(), prompt = 0;
        while (prompt < n && !e.trained()[prompt]) prompt++;
        int from = settings.maxPromptLength() > 0 && prompt > settings.maxPromptLength() ? prompt - settings.maxPromptLength() : 0;
        int limit = settings.maxLength() > 0 ? Math.min(settings.maxLength(), width) : width;
        if (prompt - from >= limit && prompt < n) from = prompt - (limit - 1);
        int to = Math.min(n, from + limit);
        return new PieceEncoder.Encoded(Arrays.copyOfRange(e.ids(), from, to), Arrays.copyOfRange(e.trained(), from, to), e.source());
    }

    /** The [2B, L] batch of these examples and their KL rows (see the class comment). */
    Batch batch(List<Encoded> examples, int width) {
        int b = examples.size();
        List<PieceEncoder.Encoded> all = new ArrayList<>(2 * b);
        for (Encoded e : examples) all.add(e.tokens());
        for (int i = 0; i < b; i++) {
            Encoded own = examples.get(i), previous = examples.get((i + b - 1) % b);
            all.add(b == 1 ? own.tokens() : klRow(own.row(), previous.row(), width));
        }
        int l = 1;
        for (PieceEncoder.Encoded e : all) l = Math.max(l, e.length());
        int[] ids = new int[2 * b * l], trained = new int[2 * b * l], mask = new int[2 * b * l], labels = new int[2 * b];
        Arrays.fill(ids, pad);
        long real = 0;
        for (int r = 0; r < 2 * b; r++) {
            PieceEncoder.Encoded e = all.get(r);
            System.arraycopy(e.ids(), 0, ids, r * l, e.length());
            for (int t = 0; t < e.length(); t++) trained[r * l + t] = e.trained()[t] ? 1 : 0;
            Arrays.fill(mask, r * l, r * l + e.length(), 1);
            if (r < b) real += e.length();
        }
        for (int i = 0; i < b; i++) labels[i] = examples.get(i).row().label() ? 1 : 0;
        Arrays.fill(labels, b, 2 * b, KL_ROW);
        return new Batch()
                .put("ids", new IntTensor(ids, 2 * b, l))                 // [2B, L] examples, then KL rows
                .put("trained", new IntTensor(trained, 2 * b, l))         // [2B, L] 1 = completion token
                .put("attention_mask", new IntTensor(mask, 2 * b, l))     // [2B, L] 1 = real
                .put("labels", new IntTensor(labels, 2 * b))              // [2B] 1 = desirable; KL rows: KL_ROW
                .blocks(2)                                                    // example i: rows i and B + i
                .tokens(real);
    }

    private PieceEncoder.Encoded klRow(PreferenceRows.Row prompt, PreferenceRows.Row completion, int width) {
        if (prompt.prompt() instanceof String != completion.completion() instanceof String)
            throw new IllegalArgumentException(prompt.source() + " and " + completion.source() + ": kto pairs a prompt with another row's completion"
                    + " for its KL estimate, so every row must be text or every row messages, not a mix");
        return encode(prompt, completion.completion(), width);
    }
}
