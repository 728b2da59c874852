package dev.kiln.objective.contrastive;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Sentence embeddings by contrast: a pooler over the backbone's hidden states (no parameters of
 * its own) and a similarity loss ({@link ContrastiveLosses}).
 *
 * <p><b>Data</b>: supervised losses read JSONL fields {@code anchor}, {@code positive} and (for
 * triplet, or InfoNCE hard negatives) {@code negative}; {@code simcse} reads {@code text} and,
 * by default, splits it into sentences; each sentence is its own positive, the two views differ
 * only by the model's dropout masks (SimCSE), so it needs model.dropout > 0.
 *
 * <p><b>Batches</b>: {@code ids} and {@code mask} [K·B, T]: rows [0, B) anchors, [B, 2B) positives,
 * [2B, 3B) negatives when K = 3; each sequence is [CLS] (when the tokenizer has one) + tokens, cut to
 * T. {@code layout} [2] = {B, K}. All K·B rows go through the backbone in one forward pass.
 *
 * <p><b>Metrics</b>: {@code loss}; {@code accuracy}: in-batch retrieval, the fraction of anchors whose
 * nearest candidate (all positives and negatives of the batch) is their own positive. Weight = B.
 */
final class ContrastiveObjective implements Objective {

    /** Parsed config. */
    record Settings(String loss, String pooler, float temperature, String distance, float margin, boolean hardNegatives,
                    boolean splitSentences, int minChars, boolean shuffle, boolean dropLast) {
        boolean simcse() { return loss.equals("simcse"); }
    }

    /** One training item: anchor, positive, and a negative or null. */
    record Item(String anchor, String positive, String negative) {}

    private final Tokenizer tok;
    private final TransformerConfig model;
    private final Settings s;
    private final int cls, pad;
    private Dataset cachedData;
    private List<Item> cachedItems;

    ContrastiveObjective(Tokenizer tok, TransformerConfig model, Settings settings) {
        this.tok = tok;
        this.model = model;
        this.s = settings;
        this.cls = tok.special(Tokenizer.CLS).orElse(-1);
        this.pad = tok.special(Tokenizer.PAD).orElse(0);
    }

    @Override
    public String name() { return ContrastiveObjectiveFactory.NAME; }

    Settings settings() { return s; }

    @Override
    public void checkModel(TransformerConfig m) {
        if (s.simcse() && !(m.dropout() > 0))
            throw new IllegalArgumentException("objective 'contrastive' with loss 'simcse' needs model.dropout > 0 (got " + m.dropout()
                    + "): the two views of a sentence differ only by their dropout masks, so without dropout they are identical");
        if (m.vocab() < tok.vocabSize())
            throw new IllegalArgumentException("objective 'contrastive': model.vocab = " + m.vocab() + " is smaller than tokenizer '"
                    + tok.name() + "' vocabulary of " + tok.vocabSize());
    }

    @Override
    public List<Batch> prepare(Dataset data, BatchSpec spec, long seed) {
        int t = spec.seqLen();
        if (model != null && model.positions().bounded() && t > model.usablePositions())
            throw new IllegalArgumentException("objective 'contrastive': sequence length " + t + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        List<Item> items = items(data);
        int n = items.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (s.shuffle()) shuffle(order, new Random(seed));
        int k = items.isEmpty() || items.get(0).negative() == null ? 2 : 3;
        List<Batch> out = new ArrayList<>();
        for (int from = 0; from < n; from += spec.batchSize()) {
            int b = Math.min(spec.batchSize(), n - from);
            if (b < spec.batchSize() && s.dropLast() && !out.isEmpty()) break;
            int[] ids = new int[k * b * t], mask = new int[k * b * t];
            if (pad != 0) java.util.Arrays.fill(ids, pad);
            long tokens = 0;
            for (int r = 0; r < b; r++) {
                Item it = items.get(order[from + r]);
                tokens += write(it.anchor(), ids, mask, r, t);
                tokens += write(it.positive(), ids, mask, b + r, t);
                if (k == 3) tokens += write(it.negative(), ids, mask, 2 * b + r, t);
            }
            out.add(new Batch()
                    .put("ids", new IntTensor(ids, k * b, t))           // [K·B, T]
                    .put("mask", new IntTensor(mask, k * b, t))         // [K·B, T]
                    .put("layout", new IntTensor(new int[] {b, k}, 2))
                    .tokens(tokens));
        }
        return out;
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        IntTensor ids = batch.ints("ids"), mask = batch.ints("mask"), layout = batch.ints("layout");
        int b = layout.get(0), k = layout.get(1);
        Tensor hidden = net.forward(ModelInput.of(ids).withAttentionMask(mask));      // [K·B, T, C]
        Tensor emb = Pooling.pool(s.pooler(), hidden, mask);                          // [K·B, C]
        Tensor a = Shapes.slice(emb, 0, 0, b), p = Shapes.slice(emb, 0, b, 2 * b);    // [B, C] each
        Tensor neg = k == 3 ? Shapes.slice(emb, 0, 2 * b, 3 * b) : null;
        Tensor loss = s.loss().equals("triplet") ? ContrastiveLosses.triplet(a, p, neg, s.distance(), s.margin())
                : ContrastiveLosses.infoNce(a, p, neg, s.temperature());
        boolean euclid = s.loss().equals("triplet") && s.distance().equals("euclidean");
        int hits = Retrieval.correct(emb.toArray(), b, k, emb.dim(1), euclid);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", (double) loss.item());
        metrics.put("accuracy", (double) hits / b);
        return new Output(loss, metrics, b);
    }

    /** Items of a dataset (cached for the last one seen). */
    List<Item> items(Dataset data) {
        if (data == cachedData) return cachedItems;
        List<Item> out = new ArrayList<>();
        Boolean withNegatives = null;
        for (Example ex : data.examples()) {
            if (s.simcse()) {
                String text = ex.text();
                for (String sentence : s.splitSentences() ? Sentences.split(text, s.minChars()) : List.of(text.strip()))
                    if (!sentence.isEmpty()) out.add(new Item(sentence, sentence, null));
                continue;
            }
            boolean neg = ex.has("negative") && (s.hardNegatives() || s.loss().equals("triplet"));
            if (s.loss().equals("triplet") && !neg)
                throw new IllegalArgumentException(ex.source() + ": loss 'triplet' needs a 'negative' field (has: " + ex.fields().keySet() + ")");
            if (withNegatives == null) withNegatives = neg;
            else if (withNegatives != neg)
                throw new IllegalArgumentException(ex.source() + ": " + (neg ? "has" : "lacks") + " a 'negative' field unlike the examples before it;"
                        + " give every example a negative, or none (or set hard_negatives: false)");
            out.add(new Item(ex.string("anchor"), ex.string("positive"), neg ? ex.string("negative") : null));
        }
        cachedData = data;
        cachedItems = out;
        return out;
    }

    /** Writes [CLS] + tokens of {@code text} into row {@code row} (cut to t); returns the tokens written. */
    private int write(String text, int[] ids, int[] mask, int row, int t) {
        int[] enc = tok.encode(text);
        int at = row * t, n = 0;
        if (cls >= 0) { ids[at] = cls; mask[at] = 1; n = 1; }
        for (int i = 0; i < enc.length && n < t; i++, n++) { ids[at + n] = enc[i]; mask[at + n] = 1; }
        if (n == 0) { mask[at] = 1; n = 1; }          // an empty text still pools one (padding) position
        return n;
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1), tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
    }
}
