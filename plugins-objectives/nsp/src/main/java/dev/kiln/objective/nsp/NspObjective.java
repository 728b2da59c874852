package dev.kiln.objective.nsp;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Permutation;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Next-sentence prediction (BERT): is sentence B the one that follows A in its document?
 *
 * <p><b>Batches</b>, made on demand ({@link #batches}): row r of the epoch is the pair of the
 * document at position r of a seeded {@link Permutation} of the documents (file order when not
 * shuffling), one pair per document per epoch, drawn by {@link NspPairs} from the batch's own
 * random stream (seeded from (seed, batch index)): so batch i reads only its B documents and the
 * few others its NotNext sentences come from, and a resumed run starts at batch i. Pairs are laid
 * out as {@code [CLS] A [SEP] B [SEP]} with token types 0 for {@code [CLS] A [SEP]} and 1 for
 * {@code B [SEP]}, B pairs per batch (the last batch possibly smaller unless {@code drop_last}; a
 * batch also loses the rows of documents without a pair, see {@link NspPairs}), padded with [PAD]
 * to the batch's longest pair (≤ T). Keys: {@code ids}, {@code token_types},
 * {@code attention_mask} [B, L]; {@code labels} [B] (0 = IsNext, 1 = NotNext).
 *
 * <p><b>Loss</b>: two-way softmax cross-entropy over {@link NspHead}'s logits of the first token
 * (as Hugging Face's {@code BertForPreTraining}; equivalent to a binary cross-entropy on the logit
 * difference). <b>Metrics</b>: {@code loss}, {@code accuracy}. {@link Output#weight()} = pairs.
 */
public final class NspObjective implements Objective {
    private final TransformerConfig model;
    private final NspSettings settings;
    private final NspPairs pairs;
    private final NspHead head;
    private final int cls, sep, pad;

    NspObjective(Tokenizer tokenizer, TransformerConfig model, NspSettings settings, NspHead head) {
        this.model = model;
        this.settings = settings;
        this.pairs = new NspPairs(tokenizer);
        this.head = head;
        this.cls = tokenizer.requireSpecial(Tokenizer.CLS);
        this.sep = tokenizer.requireSpecial(Tokenizer.SEP);
        this.pad = tokenizer.requireSpecial(Tokenizer.PAD);
    }

    @Override
    public String name() { return NspObjectiveFactory.NAME; }

    public NspSettings settings() { return settings; }

    @Override
    public Module head() { return head; }

    @Override
    public void checkModel(TransformerConfig m) {
        if (m.causal())
            throw new IllegalArgumentException("objective 'nsp' needs bidirectional attention: set model.causal = false (got true; "
                    + "under a causal mask the first token sees neither sentence), e.g. model.preset = bert");
        if (m.typeVocab() < 2)
            throw new IllegalArgumentException("objective 'nsp' needs segment embeddings for A and B: set model.type_vocab >= 2 (got "
                    + m.typeVocab() + ")");
        if (model != null && m.dModel() != model.dModel())
            throw new IllegalArgumentException("objective 'nsp': model.d_model = " + m.dModel() + " but the head was built for " + model.dModel());
    }

    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        if ((model.positions().bounded()) && spec.seqLen() > model.usablePositions())
            throw new IllegalArgumentException("objective 'nsp': sequence length " + spec.seqLen() + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        NspPairs.room(spec.seqLen());
        int n = data.size(), batchSize = spec.batchSize();
        Permutation order = settings.shuffle() ? new Permutation(n, seed) : null;
        return Batches.lazy(ExampleBatches.count(n, batchSize, settings.dropLast()), i -> {
            Random rng = ExampleBatches.random(seed, i);
            long first = i * batchSize;
            int b = (int) Math.min(batchSize, n - first);
            List<NspPairs.Pair> chunk = new ArrayList<>(b);
            for (int r = 0; r < b; r++) {
                int doc = (int) (order == null ? first + r : order.apply(first + r));
                NspPairs.Pair p = pairs.pair(data, doc, spec.seqLen(), settings.nextProb(), rng);
                if (p != null) chunk.add(p);
            }
            if (chunk.isEmpty())
                throw new IllegalArgumentException("objective 'nsp': batch " + i + " of dataset '" + data.name() + "' has no sentence pair: "
                        + "none of its documents, nor " + NspPairs.DRAWS + " drawn at random, has two sentences (next-sentence prediction "
                        + "needs documents of several sentences)");
            return batch(chunk);
        });
    }

    private Batch batch(List<NspPairs.Pair> chunk) {
        int b = chunk.size(), width = 0;
        for (NspPairs.Pair p : chunk) width = Math.max(width, p.a().length + p.b().length + 3);
        int[] ids = new int[b * width], types = new int[b * width], mask = new int[b * width], labels = new int[b];
        Arrays.fill(ids, pad);
        long real = 0;
        for (int r = 0; r < b; r++) {
            NspPairs.Pair p = chunk.get(r);
            int o = r * width, la = p.a().length, lb = p.b().length;
            ids[o] = cls;
            System.arraycopy(p.a(), 0, ids, o + 1, la);
            ids[o + 1 + la] = sep;
            System.arraycopy(p.b(), 0, ids, o + 2 + la, lb);
            ids[o + 2 + la + lb] = sep;
            Arrays.fill(types, o + 2 + la, o + 3 + la + lb, 1);
            Arrays.fill(mask, o, o + 3 + la + lb, 1);
            labels[r] = p.label();
            real += la + lb + 3;
        }
        return new Batch()
                .put("ids", new IntTensor(ids, b, width))                 // [B, L] [CLS] A [SEP] B [SEP] [PAD]...
                .put("token_types", new IntTensor(types, b, width))       // [B, L] 0 for [CLS] A [SEP], 1 for B [SEP], 0 for pads
                .put("attention_mask", new IntTensor(mask, b, width))     // [B, L] 1 = real token
                .put("labels", new IntTensor(labels, b))                  // [B] 0 = IsNext, 1 = NotNext
                .tokens(real);
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        IntTensor ids = batch.ints("ids"), labels = batch.ints("labels");
        ModelInput in = ModelInput.of(ids).withTokenTypes(batch.ints("token_types")).withAttentionMask(batch.ints("attention_mask"));
        Tensor hidden = net.forward(in);                                                  // [B, L, C]
        int b = ids.dim(0), c = hidden.dim(-1);
        Tensor first = Shapes.reshape(Shapes.slice(hidden, 1, 0, 1), b, c);              // [B, C] the [CLS] states
        Tensor logits = head.forward(first);                                             // [B, 2]
        Tensor loss = Losses.crossEntropy(logits, labels);                               // [1]
        float[] l = logits.toArray();
        int correct = 0;
        for (int r = 0; r < b; r++) if ((l[2 * r + 1] > l[2 * r] ? 1 : 0) == labels.get(r)) correct++;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", (double) loss.item());
        metrics.put("accuracy", (double) correct / b);
        return new Output(loss, metrics, b);
    }
}
