package dev.kiln.objective.mlm;

import dev.kiln.api.objective.Accuracy;
import dev.kiln.api.data.ArrayTokenDocuments;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.BatchRows;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Permutation;
import dev.kiln.api.data.TokenDocuments;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Embedding;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Masked language modelling (BERT): predict the original ids of the selected positions of a
 * corrupted sequence, with a bidirectional backbone and {@link MlmHead}.
 *
 * <p><b>Batches</b>, made on demand ({@link #batches}): rows {@code [CLS] tokens [SEP]} addressed
 * by index ({@link MlmRows}: one chunk of document d per row, {@link DocumentRows}, or block k of
 * the documents joined by [SEP], {@link PackedRows}), in the order of a seeded {@link Permutation}
 * of the rows (row order when not shuffling), B rows per batch (the last possibly smaller unless
 * {@code drop_last}). Row r of batch i gets its own random stream from (seed, i, r), which picks
 * its chunk and then masks it ({@link MlmMasking}), so any batch is made alone from the B documents
 * (or stream blocks) it needs, a resumed run starts at batch i, and a data-parallel worker makes only
 * its rows of each batch (reading the others' lengths only, to pad as the whole batch pads). A prepared
 * corpus's token ids are used as they are (whole-word masking needs no text: {@link WordStarts}
 * works from the ids); a text dataset is encoded row by row, except that the packed layout,
 * which needs every document's length, tokenizes it once (small in-memory corpora). Rows are
 * padded with [PAD] to the batch's longest row (≤ T). Keys: {@code ids} [B, L] (corrupted),
 * {@code labels} [B, L] (original id at selected positions, −100 elsewhere),
 * {@code attention_mask} [B, L] (1 = real token); {@code tokens()} = real (unpadded) tokens.
 *
 * <p><b>Loss</b>: L = −(1/|M|) Σ_{i∈M} log P(x_i | X_masked). Only the |M| selected hidden states
 * are gathered and sent through the head, so the V-wide decoder runs on |M| rows, not B·L.
 *
 * <p><b>Metrics</b>: {@code loss}, {@code accuracy} (masked-token argmax accuracy); {@link #finish}
 * adds {@code perplexity} = exp(loss). {@link Output#weight()} = |M|.
 */
public final class MlmObjective implements Objective {
    private final TransformerConfig model;
    private final MlmSettings settings;
    private final MlmMasking masking;
    private final Tokenizer tokenizer;
    private final MlmHead head;
    private final int pad;
    private Dataset cachedData;
    private TokenDocuments cachedTokens;

    MlmObjective(Tokenizer tokenizer, TransformerConfig model, MlmSettings settings, MlmHead head) {
        this.model = model;
        this.settings = settings;
        this.masking = new MlmMasking(tokenizer, settings);
        this.tokenizer = tokenizer;
        this.head = head;
        this.pad = tokenizer.requireSpecial(Tokenizer.PAD);
    }

    @Override
    public String name() { return MlmObjectiveFactory.NAME; }

    public MlmSettings settings() { return settings; }

    @Override
    public Module head() { return head; }

    @Override
    public void checkModel(TransformerConfig m) {
        if (m.causal())
            throw new IllegalArgumentException("objective 'mlm' needs bidirectional attention: set model.causal = false (got true; "
                    + "a causal model cannot see the right context of a masked token), e.g. model.preset = bert");
        if (model != null && m.vocab() != model.vocab())
            throw new IllegalArgumentException("objective 'mlm': model.vocab = " + m.vocab() + " but the head was built for " + model.vocab());
        if (model != null && m.dModel() != model.dModel())
            throw new IllegalArgumentException("objective 'mlm': model.d_model = " + m.dModel() + " but the head was built for " + model.dModel());
    }

    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        if ((model.positions().bounded()) && spec.seqLen() > model.usablePositions())
            throw new IllegalArgumentException("objective 'mlm': sequence length " + spec.seqLen() + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        MlmRows.room(spec.seqLen());                                                   // rejects T < 3 before any tokenizing
        MlmRows rows = settings.pack() ? new PackedRows(documents(data), tokenizer, spec.seqLen())
                : new DocumentRows(data, tokenizer, spec.seqLen());
        long n = rows.count();
        Permutation order = settings.shuffle() ? new Permutation(n, seed) : null;
        int batchSize = spec.batchSize();
        // every row draws from its own stream, so a data-parallel worker makes only its rows (rank, rank + world, …)
        return Batches.byRows(ExampleBatches.count(n, batchSize, settings.dropLast()), (i, rank, world) -> {
            long first = i * batchSize;
            int whole = (int) Math.min(batchSize, n - first), b = BatchRows.count(whole, rank, world);
            int[][] picked = new int[b][];
            Random[] rngs = new Random[b];
            for (int k = 0; k < b; k++) {
                int r = rank + k * world;
                rngs[k] = ExampleBatches.random(seed, i, r);
                picked[k] = rows.row(order == null ? first + r : order.apply(first + r), rngs[k]);
            }
            int width = 0;                                              // the whole batch's longest row, as a single worker pads
            for (int[] row : picked) width = Math.max(width, row.length);
            for (int r = 0; r < whole; r++)                             // the others' rows: their lengths only
                if (r % world != rank) width = Math.max(width, rows.length(order == null ? first + r : order.apply(first + r), ExampleBatches.random(seed, i, r)));
            return batch(picked, rngs, width);
        });
    }

    /** The documents as tokens for the packed stream: a prepared corpus as it is, text tokenized once (cached for the last dataset seen). */
    private TokenDocuments documents(Dataset data) {
        if (data.tokenized()) return data.tokens();
        if (data != cachedData) {
            cachedTokens = ArrayTokenDocuments.tokenize(data, tokenizer);
            cachedData = data;
        }
        return cachedTokens;
    }

    /** Masks each row with its random stream (after the row's own draws) and pads them to {@code width}. */
    private Batch batch(int[][] rows, Random[] rngs, int width) {
        int b = rows.length;
        int[] ids = new int[b * width], labels = new int[b * width], mask = new int[b * width];
        Arrays.fill(ids, pad);
        Arrays.fill(labels, Losses.IGNORE);
        long real = 0;
        for (int r = 0; r < b; r++) {
            MlmMasking.Masked m = masking.apply(rows[r], rngs[r]);
            int n = m.inputs().length;
            System.arraycopy(m.inputs(), 0, ids, r * width, n);
            System.arraycopy(m.labels(), 0, labels, r * width, n);
            Arrays.fill(mask, r * width, r * width + n, 1);
            real += n;
        }
        return new Batch()
                .put("ids", new IntTensor(ids, b, width))                    // [B, L] corrupted inputs
                .put("labels", new IntTensor(labels, b, width))              // [B, L] original ids at selected positions, else −100
                .put("attention_mask", new IntTensor(mask, b, width))        // [B, L] 1 = real token, 0 = [PAD]
                .tokens(real);
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        IntTensor ids = batch.ints("ids"), labels = batch.ints("labels"), mask = batch.ints("attention_mask"); // [B, L]
        Tensor hidden = net.forward(ModelInput.of(ids).withAttentionMask(mask));       // [B, L, C]
        int rows = ids.size(), c = hidden.dim(-1);
        int[] where = selected(labels.data());
        int m = where.length;
        int[] targets = new int[Math.max(1, m)];
        if (m == 0) targets[0] = Losses.IGNORE;                                        // nothing selected: a zero loss that still has a graph
        else for (int k = 0; k < m; k++) targets[k] = labels.data()[where[k]];
        IntTensor gather = new IntTensor(m == 0 ? new int[1] : where, Math.max(1, m));
        Tensor picked = Embedding.lookup(Shapes.reshape(hidden, rows, c), gather);     // [M, C]
        Tensor logits = head.forward(picked, net.lmHeadWeight());                     // [M, V]
        IntTensor target = new IntTensor(targets, targets.length);
        Tensor loss = Losses.crossEntropy(logits, target);                             // [1]
        long correct = m == 0 ? 0 : Accuracy.of(logits.toArray(), targets, logits.dim(-1), Losses.IGNORE).correct();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", (double) loss.item());
        metrics.put("accuracy", m == 0 ? 0.0 : (double) correct / m);
        return new Output(loss, metrics, Math.max(m, 1e-9));
    }

    @Override
    public Map<String, Double> finish(Map<String, Double> averaged) {
        Map<String, Double> out = new LinkedHashMap<>(averaged);
        Double loss = averaged.get("loss");
        if (loss != null) out.put("perplexity", Math.exp(loss));
        return out;
    }

    /** Flat indices of positions whose label is not IGNORE. */
    static int[] selected(int[] labels) {
        int n = 0;
        for (int l : labels) if (l != Losses.IGNORE) n++;
        int[] out = new int[n];
        for (int i = 0, k = 0; i < labels.length; i++) if (labels[i] != Losses.IGNORE) out[k++] = i;
        return out;
    }

}
