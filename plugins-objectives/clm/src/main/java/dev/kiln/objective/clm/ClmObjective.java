package dev.kiln.objective.clm;

import dev.kiln.api.objective.Accuracy;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.ArrayTokenDocuments;
import dev.kiln.api.data.BatchRows;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Permutation;
import dev.kiln.api.data.SeparatedStream;
import dev.kiln.api.data.TokenDocuments;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Causal language modelling: predict token t+1 from tokens ≤ t, through the backbone's own LM
 * head (no head parameters of its own).
 *
 * <p><b>Batches</b> ({@link ClmPacking}, {@link SeparatedStream}): the documents (a prepared corpus's
 * token shards, or every example's {@code text} tokenized once) are read as one stream with
 * {@code <|endoftext|>} between them, cut into blocks of T+1 tokens that overlap by one token
 * (block k = tokens[kT, kT+T]), so every transition is predicted exactly once per epoch.
 * Input = block[0..T), target = block[1..T+1). Block order is a seeded {@link Permutation} (no
 * copy of the stream or of the block list); B blocks make a batch, made when the trainer asks for
 * it, the last one possibly smaller (unless {@code drop_last}).
 * A stream shorter than one block gives a single shorter block. Keys: {@code ids} [B, T] and
 * {@code targets} [B, T]; {@code tokens()} = B·T.
 *
 * <p><b>Metrics</b>: {@code loss} (the optimized cross-entropy, smoothed when label smoothing is
 * on), {@code accuracy} (next-token argmax accuracy, computed on the host in evaluation only), {@code nll} (the
 * unsmoothed cross-entropy, only when smoothing is on, in evaluation) and, from {@link #finish}, {@code perplexity}
 * = exp(nll, or loss). {@link Output#weight()} = predicted tokens.
 */
public final class ClmObjective implements Objective {

    /** Parsed config: eos id (or -1 for no separator), shuffle, label smoothing, drop_last. */
    public record Settings(int eosId, boolean shuffle, float labelSmoothing, boolean dropLast) {}

    private final Tokenizer tokenizer;
    private final TransformerConfig model;
    private final Settings settings;
    private Dataset cachedData;
    private TokenDocuments cachedTokens;

    public ClmObjective(Tokenizer tokenizer, TransformerConfig model, Settings settings) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.settings = settings;
    }

    @Override
    public String name() { return ClmObjectiveFactory.NAME; }

    public Settings settings() { return settings; }

    @Override
    public void checkModel(TransformerConfig m) {
        if (!m.causal())
            throw new IllegalArgumentException("objective 'clm' needs causal attention: set model.causal = true (got false; "
                    + "a bidirectional model can see the token it must predict)");
        if (m.vocab() < tokenizer.vocabSize())
            throw new IllegalArgumentException("objective 'clm': model.vocab = " + m.vocab() + " is smaller than tokenizer '"
                    + tokenizer.name() + "' vocabulary of " + tokenizer.vocabSize());
    }

    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        if (model != null && (model.positions().bounded()) && spec.seqLen() > model.usablePositions())
            throw new IllegalArgumentException("objective 'clm': sequence length " + spec.seqLen() + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        SeparatedStream stream = new SeparatedStream(documents(data), settings.eosId());
        ClmPacking blocks = ClmPacking.of(stream.length(), spec.seqLen());
        Permutation order = settings.shuffle() ? new Permutation(blocks.blocks(), seed) : null;
        int batchSize = spec.batchSize(), t = blocks.length();
        // rows are independent blocks: a data-parallel worker reads only its own (rank, rank + world, … of each batch)
        return Batches.byRows(ExampleBatches.count(blocks.blocks(), batchSize, settings.dropLast()), (i, rank, world) -> {
            long first = i * batchSize;
            int b = BatchRows.count((int) Math.min(batchSize, blocks.blocks() - first), rank, world);
            int[] ids = new int[b * t], targets = new int[b * t], row = new int[t + 1];
            for (int r = 0; r < b; r++) {
                long position = first + rank + (long) r * world;
                long block = order == null ? position : order.apply(position);
                stream.read(blocks.start(block), row, 0, t + 1);
                System.arraycopy(row, 0, ids, r * t, t);
                System.arraycopy(row, 1, targets, r * t, t);
            }
            return new Batch()
                    .put("ids", new IntTensor(ids, b, t))            // [B / world, T]
                    .put("targets", new IntTensor(targets, b, t))    // [B / world, T]: ids shifted left by one
                    .tokens((long) b * t);
        });
    }

    /** The dataset's documents as tokens: a prepared corpus as it is, text tokenized once (cached for the last dataset seen). */
    TokenDocuments documents(Dataset data) {
        if (data.tokenized()) return data.tokens();
        if (data != cachedData) {
            cachedTokens = ArrayTokenDocuments.tokenize(data, tokenizer);
            cachedData = data;
        }
        return cachedTokens;
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        IntTensor ids = batch.ints("ids"), targets = batch.ints("targets");      // [B, T] each
        Tensor hidden = net.forward(ModelInput.of(ids));                        // [B, T, C]
        Tensor logits = net.logits(hidden);                                     // [B, T, V]
        Tensor loss = Losses.crossEntropy(logits, targets, Losses.IGNORE, settings.labelSmoothing()); // [1]
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", (double) loss.item());
        if (net.isTraining()) return new Output(loss, metrics, countTargets(targets.data()));  // logits stay on the backend
        Accuracy.Counts acc = Accuracy.of(logits.toArray(), targets.data(), logits.dim(-1), Losses.IGNORE);
        metrics.put("accuracy", acc.rate());
        if (settings.labelSmoothing() > 0) metrics.put("nll", (double) Losses.crossEntropy(logits, targets).item()); // unsmoothed
        return new Output(loss, metrics, acc.counted());
    }

    private static long countTargets(int[] targets) {
        long n = 0;
        for (int t : targets) if (t != Losses.IGNORE) n++;
        return n;
    }

    @Override
    public Map<String, Double> finish(Map<String, Double> averaged) {
        Map<String, Double> out = new LinkedHashMap<>(averaged);
        Double nll = averaged.getOrDefault("nll", averaged.get("loss"));
        if (nll != null) out.put("perplexity", Math.exp(nll));
        return out;
    }
}
