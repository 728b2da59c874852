package dev.kiln.objective.contrastive;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.data.TokenDocuments;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.StepWorkers;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Sentence embeddings by contrast: a pooler over the backbone's hidden states (no parameters of
 * its own) and a similarity loss ({@link ContrastiveLosses}).
 *
 * <p><b>Data</b>: supervised losses read JSONL fields {@code anchor}, {@code positive} and (for
 * triplet, or InfoNCE hard negatives) {@code negative}; {@code simcse} reads {@code text} and,
 * by default, splits it into sentences; each sentence is its own positive, the two views differ
 * only by the model's dropout masks (SimCSE), so it needs model.dropout > 0.
 *
 * <p><b>Batches</b> are made on demand ({@link ExampleBatches}): batch i reads the B documents at
 * positions [iB, iB + B) of a seeded permutation of the dataset (file order without
 * {@code shuffle}) and nothing else, so an epoch costs one batch of memory.
 * <ul>
 *   <li>Supervised: one row group per document. Example 0 sets the layout for the whole dataset
 *       (K = 3 when it has a usable {@code negative}); a document that disagrees is an error
 *       when its batch is made.</li>
 *   <li>SimCSE: the documents are split into sentences one at a time and {@link SentencePicks}
 *       chooses the batch's B rows among their sentences with the batch's random stream (all of
 *       them when they are at most B). So an epoch visits every document once, not every
 *       sentence: a corpus of one sentence per line gives the classic epoch. A batch whose
 *       documents have no sentence (blank, or all shorter than {@code min_chars}) takes one
 *       from the nearest following document that has one, from a start drawn from its stream.
 *       A tokenized corpus with {@code split_sentences: false} uses the document's token ids
 *       (surrounding whitespace tokens kept); splitting needs the text.</li>
 * </ul>
 * Negatives are in-batch only: every other row's positive (and negative) in the same batch.
 *
 * <p><b>Layout</b> ({@link ContrastiveRows}): {@code ids} and {@code mask} [K·B, T]: rows [0, B) anchors,
 * [B, 2B) positives, [2B, 3B) negatives when K = 3 (the batch's K blocks); each sequence is [CLS] (when the
 * tokenizer has one) + tokens, cut to T. All K·B rows go through the backbone in one forward pass.
 *
 * <p><b>Data-parallel</b>: a worker holds some of the groups; the negatives are still the whole global batch's
 * ({@link GatheredBatch}), so N workers train as one worker with the whole batch.
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
    private final ContrastiveRows writer;

    ContrastiveObjective(Tokenizer tok, TransformerConfig model, Settings settings) {
        this.tok = tok;
        this.model = model;
        this.s = settings;
        this.writer = new ContrastiveRows(tok.special(Tokenizer.CLS).orElse(-1), tok.special(Tokenizer.PAD).orElse(0));
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
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        int t = spec.seqLen(), b = spec.batchSize();
        if (model != null && model.positions().bounded() && t > model.usablePositions())
            throw new IllegalArgumentException("objective 'contrastive': sequence length " + t + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        if (s.simcse())
            return ExampleBatches.of(data, b, s.shuffle(), s.dropLast(), seed, (docs, idx, rng) -> simcseBatch(data, docs, idx, rng, b, t));
        boolean negatives = data.size() > 0 && withNegative(data.examples().get(0));      // example 0 sets the layout
        int k = negatives ? 3 : 2;
        return ExampleBatches.of(data, b, s.shuffle(), s.dropLast(), seed, (docs, idx, rng) -> {
            List<ContrastiveRows.Row> rows = new ArrayList<>(docs.size());
            for (Example ex : docs) {
                Item it = pair(ex, negatives);
                rows.add(new ContrastiveRows.Row(tok.encode(it.anchor()), tok.encode(it.positive()), negatives ? tok.encode(it.negative()) : null));
            }
            return writer.batch(rows, k, t);
        });
    }

    /** A SimCSE batch: up to {@code max} sentences of its documents ({@link SentencePicks}), each its own positive. */
    private Batch simcseBatch(Dataset data, List<Example> docs, long[] idx, Random rng, int max, int t) {
        List<List<Supplier<int[]>>> sentences = new ArrayList<>(docs.size());
        int[] counts = new int[docs.size()];
        for (int r = 0; r < docs.size(); r++) {
            sentences.add(sentences(data, idx[r], docs.get(r), t));
            counts[r] = sentences.get(r).size();
        }
        List<ContrastiveRows.Row> rows = new ArrayList<>();
        for (int[] p : SentencePicks.pick(counts, max, rng)) {
            int[] ids = sentences.get(p[0]).get(p[1]).get();
            rows.add(new ContrastiveRows.Row(ids, ids, null));
        }
        if (rows.isEmpty()) {          // no sentence in these documents: the nearest following one that has some
            long n = data.size(), start = Math.floorMod(rng.nextLong(), n);
            for (long step = 0; step < n && rows.isEmpty(); step++) {
                long j = (start + step) % n;
                List<Supplier<int[]>> found = sentences(data, j, data.examples().get(Math.toIntExact(j)), t);
                if (found.isEmpty()) continue;
                int[] ids = found.get(rng.nextInt(found.size())).get();
                rows.add(new ContrastiveRows.Row(ids, ids, null));
            }
            if (rows.isEmpty())
                throw new IllegalArgumentException("objective 'contrastive': dataset '" + data.name() + "' has no sentence to train on"
                        + (s.splitSentences() ? " (split_sentences keeps sentences of at least min_chars = " + s.minChars() + " characters)" : ""));
        }
        return writer.batch(rows, 2, t);
    }

    /** Document {@code index}'s SimCSE sentences, encoded when picked: its text's sentences, or a tokenized corpus's ids as they are. */
    private List<Supplier<int[]>> sentences(Dataset data, long index, Example ex, int t) {
        if (data.tokenized() && !s.splitSentences()) {
            TokenDocuments docs = data.tokens();
            int len = Math.min(docs.length(index), t);            // [CLS] + at most t − 1 of them fit a row
            if (len == 0) return List.of();
            return List.of(() -> {
                int[] ids = new int[len];
                docs.read(docs.start(index), ids, 0, len);
                return ids;
            });
        }
        List<Supplier<int[]>> out = new ArrayList<>();
        for (Item it : items(ex, false)) out.add(() -> tok.encode(it.anchor()));
        return out;
    }

    /** Whether an example brings a negative this loss uses; triplet needs one. */
    private boolean withNegative(Example ex) {
        boolean neg = ex.has("negative") && (s.hardNegatives() || s.loss().equals("triplet"));
        if (s.loss().equals("triplet") && !neg)
            throw new IllegalArgumentException(ex.source() + ": loss 'triplet' needs a 'negative' field (has: " + ex.fields().keySet() + ")");
        return neg;
    }

    /** A supervised example's item, checked against the dataset's layout ({@code negatives}: example 0 has one). */
    private Item pair(Example ex, boolean negatives) {
        boolean neg = withNegative(ex);
        if (neg != negatives)
            throw new IllegalArgumentException(ex.source() + ": " + (neg ? "has" : "lacks") + " a 'negative' field unlike the examples before it;"
                    + " give every example a negative, or none (or set hard_negatives: false)");
        return new Item(ex.string("anchor"), ex.string("positive"), neg ? ex.string("negative") : null);
    }

    /** One document's items: its SimCSE sentences (each its own positive), or its anchor / positive / negative. */
    List<Item> items(Example ex, boolean negatives) {
        if (!s.simcse()) return List.of(pair(ex, negatives));
        String text = ex.text();
        List<Item> out = new ArrayList<>();
        for (String sentence : s.splitSentences() ? Sentences.split(text, s.minChars()) : List.of(text.strip()))
            if (!sentence.isEmpty()) out.add(new Item(sentence, sentence, null));
        return out;
    }

    /** Every item of a small dataset, in order (tests, inspection; batches read one document at a time). */
    List<Item> items(Dataset data) {
        boolean negatives = !s.simcse() && data.size() > 0 && withNegative(data.examples().get(0));
        List<Item> out = new ArrayList<>();
        for (Example ex : data.examples()) out.addAll(items(ex, negatives));
        return out;
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        IntTensor ids = batch.ints("ids"), mask = batch.ints("mask");
        int k = batch.blocks(), b = ids.dim(0) / k;
        Tensor hidden = net.forward(ModelInput.of(ids).withAttentionMask(mask));      // [K·b, T, C]
        Tensor emb = Pooling.pool(s.pooler(), hidden, mask);                          // [K·b, C]
        boolean triplet = s.loss().equals("triplet"), euclid = triplet && s.distance().equals("euclidean");
        // with other workers: every worker's rows, in-batch negatives across the global batch (a triplet needs none)
        GatheredBatch all = StepWorkers.count() > 1 ? GatheredBatch.of(emb, batch, k) : null;
        Tensor loss;
        if (triplet) {
            loss = ContrastiveLosses.triplet(Shapes.slice(emb, 0, 0, b), Shapes.slice(emb, 0, b, 2 * b), Shapes.slice(emb, 0, 2 * b, 3 * b),
                    s.distance(), s.margin());
        } else {
            Tensor e = all == null ? emb : all.embeddings();                         // [K·B, C]
            int n = e.dim(0) / k;
            Tensor a = Shapes.slice(e, 0, 0, n), p = Shapes.slice(e, 0, n, 2 * n);     // [B, C] each
            loss = ContrastiveLosses.infoNce(a, p, k == 3 ? Shapes.slice(e, 0, 2 * n, 3 * n) : null, s.temperature());
            if (all != null) loss = all.asWorkersShare(loss);
        }
        int hits = all == null ? Retrieval.correct(emb.toArray(), b, k, emb.dim(1), euclid)
                : Retrieval.correct(all.values(), all.examples(), k, emb.dim(1), euclid);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", (double) loss.item());
        metrics.put("accuracy", (double) hits / (all == null ? b : all.examples()));
        return new Output(loss, metrics, b);
    }
}
