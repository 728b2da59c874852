package dev.kiln.objective.clm;

import dev.kiln.api.objective.Accuracy;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Causal language modelling: predict token t+1 from tokens ≤ t, through the backbone's own LM
 * head (no head parameters of its own).
 *
 * <p><b>Batches</b> ({@link ClmPacking}): every example's {@code text} is tokenized, documents are
 * concatenated with {@code <|endoftext|>} between them, and the stream is cut into blocks of T+1
 * tokens that overlap by one token (block k = tokens[kT, kT+T]), so every transition is predicted
 * exactly once per epoch. Input = block[0..T), target = block[1..T+1). Block order is shuffled with
 * the epoch seed; B blocks make a batch, the last one possibly smaller (unless {@code drop_last}).
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
    private int[] cachedTokens;

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
    public List<Batch> prepare(Dataset data, BatchSpec spec, long seed) {
        if (model != null && (model.positions().bounded()) && spec.seqLen() > model.usablePositions())
            throw new IllegalArgumentException("objective 'clm': sequence length " + spec.seqLen() + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        int[] stream = tokens(data);
        int[][] blocks = ClmPacking.blockStarts(stream.length, spec.seqLen(), settings.shuffle(), seed);
        List<Batch> out = new ArrayList<>();
        for (int[] starts : ClmPacking.batches(blocks[0], spec.batchSize(), settings.dropLast())) {
            int b = starts.length, t = blocks[1][0];
            int[] ids = new int[b * t], targets = new int[b * t];
            for (int r = 0; r < b; r++) {
                System.arraycopy(stream, starts[r], ids, r * t, t);
                System.arraycopy(stream, starts[r] + 1, targets, r * t, t);
            }
            out.add(new Batch()
                    .put("ids", new IntTensor(ids, b, t))            // [B, T]
                    .put("targets", new IntTensor(targets, b, t))    // [B, T]: ids shifted left by one
                    .tokens((long) b * t));
        }
        return out;
    }

    /** The dataset's token stream (documents joined by EOS when configured); cached for the last dataset seen. */
    int[] tokens(Dataset data) {
        if (data == cachedData) return cachedTokens;
        List<int[]> docs = new ArrayList<>(data.size());
        long total = 0;
        for (var ex : data.examples()) {
            int[] ids = tokenizer.encode(ex.text());
            docs.add(ids);
            total += ids.length + (settings.eosId() >= 0 ? 1 : 0);
        }
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("objective 'clm': dataset '" + data.name() + "' has too many tokens: " + total);
        int[] stream = new int[(int) Math.max(0, total - (settings.eosId() >= 0 ? 1 : 0))];
        int pos = 0;
        for (int i = 0; i < docs.size(); i++) {
            if (i > 0 && settings.eosId() >= 0) stream[pos++] = settings.eosId();
            System.arraycopy(docs.get(i), 0, stream, pos, docs.get(i).length);
            pos += docs.get(i).length;
        }
        cachedData = data;
        cachedTokens = stream;
        return stream;
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
