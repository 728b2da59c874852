package dev.kiln.objective.dae;

import dev.kiln.api.objective.Accuracy;
import dev.kiln.api.data.Batch;
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
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * BART-style denoising: the backbone (bidirectional) encodes the corrupted text, the objective's
 * {@link DecoderHead} (causal, cross-attending) reconstructs the original with teacher forcing.
 *
 * <p><b>Batches</b> are made on demand: batch i holds the documents at positions [iB, iB + B) of a
 * seeded {@link Permutation} of the dataset (file order without {@code shuffle}; the order of
 * {@link ExampleBatches}) and is built from them alone, with its own random stream
 * {@link ExampleBatches#random}(seed, i) drawn row by row, so an epoch costs one batch of memory
 * and a resumed run can start at any batch. Each document is split into sentence pieces and cut
 * to T − 1 tokens (the original): a {@linkplain Dataset#tokenized() tokenized} dataset's ids split
 * by {@link TokenSentences} (its examples are not read), else the example's {@code text} split by
 * {@link Sentences} and tokenized piece by piece. {@link TextNoise} corrupts it (cut to T tokens).
 * Keys, all [B, T]: {@code enc_ids} (corrupted, padded), {@code enc_mask} (1 = real),
 * {@code dec_ids} ([EOS] + original, padded) and {@code targets} (original + [EOS], IGNORE on padding).
 *
 * <p><b>Metrics</b>: {@code loss} (mean reconstruction cross-entropy per target token); in
 * evaluation only (host work, the logits leave the backend) {@code accuracy} (teacher-forced argmax token accuracy of the reconstruction) and
 * {@code copy_accuracy}, the baseline of answering with the corrupted input followed by [EOS],
 * compared position by position. {@link Output#weight()} = target tokens.
 */
final class DaeTextObjective implements Objective {

    /** Parsed text-mode config. */
    record Settings(TextNoise.Rates rates, int decoderLayers, boolean shuffle, boolean dropLast, float labelSmoothing) {}

    private final Tokenizer tok;
    private final TransformerConfig model;
    private final Settings settings;
    private final TextNoise noise;
    private final TokenSentences sentences;
    private final DecoderHead head;
    private final int eos, pad, mask;

    DaeTextObjective(Tokenizer tok, TransformerConfig model, Settings settings, dev.kiln.api.backend.Backend be, long seed) {
        this.tok = tok;
        this.model = model;
        this.settings = settings;
        this.eos = tok.requireSpecial(Tokenizer.EOS);
        this.mask = tok.special(Tokenizer.MASK).orElse(-1);          // the factory requires it when a noise writes masks
        this.pad = tok.special(Tokenizer.PAD).orElse(eos);
        this.noise = new TextNoise(settings.rates(), mask, tok.vocabSize(), tok::isSpecial);
        this.sentences = new TokenSentences(tok);
        this.head = new DecoderHead(be, model, settings.decoderLayers(), seed);
    }

    @Override
    public String name() { return DaeObjectiveFactory.NAME; }

    @Override
    public Module head() { return head; }

    Settings settings() { return settings; }

    @Override
    public void checkModel(TransformerConfig m) {
        if (m.causal())
            throw new IllegalArgumentException("objective 'dae' encodes the corrupted text bidirectionally: set model.causal = false "
                    + "(the decoder it owns is causal)");
        if (m.crossAttention())
            throw new IllegalArgumentException("objective 'dae': the model is the encoder, set model.cross_attention = false "
                    + "(the decoder the objective builds has cross-attention)");
        if (m.vocab() < tok.vocabSize())
            throw new IllegalArgumentException("objective 'dae': model.vocab = " + m.vocab() + " is smaller than tokenizer '"
                    + tok.name() + "' vocabulary of " + tok.vocabSize());
        if (m.dModel() != model.dModel() || m.heads() != model.heads())
            throw new IllegalArgumentException("objective 'dae': its decoder was built for d_model " + model.dModel()
                    + " / heads " + model.heads() + ", the model has " + m.dModel() + " / " + m.heads());
    }

    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        int t = spec.seqLen(), size = spec.batchSize();
        if (t < 2) throw new IllegalArgumentException("objective 'dae': seq_len must be at least 2, got " + t);
        if (model.positions().bounded() && t > model.usablePositions())
            throw new IllegalArgumentException("objective 'dae': sequence length " + t + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        if (size < 1) throw new IllegalArgumentException("batch_size must be >= 1, got " + size);
        long n = data.size();
        Permutation order = settings.shuffle() ? new Permutation(n, seed) : null;      // ExampleBatches' order, without reading examples
        return Batches.lazy(ExampleBatches.count(n, size, settings.dropLast()), i -> {
            long[] idx = new long[(int) Math.min(size, n - i * size)];
            for (int r = 0; r < idx.length; r++) idx[r] = order == null ? i * size + r : order.apply(i * size + r);
            return batch(data, idx, ExampleBatches.random(seed, i), t);
        });
    }

    /** One batch from the documents at {@code idx}, corrupted with the batch's random stream (row by row). */
    private Batch batch(Dataset data, long[] idx, Random rng, int t) {
        int b = idx.length;
        int[] enc = filled(b * t, pad), encMask = new int[b * t], dec = filled(b * t, pad), targets = filled(b * t, Losses.IGNORE);
        long tokens = 0;
        for (int r = 0; r < b; r++) {
            List<int[]> pieces = pieces(data, idx[r], t - 1);
            int[] original = TextNoise.concat(pieces);
            int[] corrupted = noise.corrupt(pieces, rng);
            int len = Math.min(corrupted.length, t);
            System.arraycopy(corrupted, 0, enc, r * t, len);
            for (int i = 0; i < len; i++) encMask[r * t + i] = 1;
            if (len == 0) { enc[r * t] = eos; encMask[r * t] = 1; }     // an empty document still has one key to attend to
            dec[r * t] = eos;
            System.arraycopy(original, 0, dec, r * t + 1, original.length);
            System.arraycopy(original, 0, targets, r * t, original.length);
            targets[r * t + original.length] = eos;
            tokens += original.length + 1 + len;
        }
        return new Batch()
                .put("enc_ids", new IntTensor(enc, b, t))          // [B, T] corrupted
                .put("enc_mask", new IntTensor(encMask, b, t))     // [B, T]
                .put("dec_ids", new IntTensor(dec, b, t))          // [B, T] EOS + original
                .put("targets", new IntTensor(targets, b, t))      // [B, T] original + EOS
                .tokens(tokens);
    }

    /**
     * Document {@code index} as sentence pieces of at most {@code max} tokens in all: a tokenized
     * dataset's first {@code max} ids split by {@link TokenSentences}, else the example's
     * {@code text} split by {@link Sentences} and tokenized piece by piece.
     */
    List<int[]> pieces(Dataset data, long index, int max) {
        if (!data.tokenized()) {
            String text = data.examples().get(Math.toIntExact(index)).text();
            return truncate(Sentences.tokenize(tok, text, max), max);
        }
        TokenDocuments docs = data.tokens();
        int[] ids = new int[Math.min(docs.length(index), max)];
        docs.read(docs.start(index), ids, 0, ids.length);
        return sentences.split(ids);
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        IntTensor enc = batch.ints("enc_ids"), encMask = batch.ints("enc_mask"), dec = batch.ints("dec_ids"), targets = batch.ints("targets");
        Tensor states = net.forward(ModelInput.of(enc).withAttentionMask(encMask));     // [B, T, C]
        Tensor hidden = head.forward(net, dec, states, encMask);                         // [B, T, C]
        Tensor logits = net.logits(hidden);                                              // [B, T, V]
        Tensor loss = Losses.crossEntropy(logits, targets, Losses.IGNORE, settings.labelSmoothing());
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", (double) loss.item());
        if (net.isTraining()) return new Output(loss, metrics, countTargets(targets.data()));    // logits stay on the backend
        Accuracy.Counts acc = Accuracy.of(logits.toArray(), targets.data(), logits.dim(-1), Losses.IGNORE);
        long copy = copyCorrect(enc.data(), encMask.data(), targets.data(), enc.dim(1));
        metrics.put("accuracy", acc.rate());
        metrics.put("copy_accuracy", acc.counted() == 0 ? 0.0 : (double) copy / acc.counted());
        return new Output(loss, metrics, acc.counted());
    }

    static long countTargets(int[] targets) {
        long n = 0;
        for (int t : targets) if (t != Losses.IGNORE) n++;
        return n;
    }


    /** Target positions the "copy the corrupted input, then [EOS]" baseline gets right. */
    long copyCorrect(int[] enc, int[] encMask, int[] targets, int t) {
        long correct = 0;
        for (int r = 0; r < targets.length / t; r++) {
            int len = 0;
            while (len < t && encMask[r * t + len] == 1) len++;
            for (int i = 0; i < t; i++) {
                int target = targets[r * t + i];
                if (target == Losses.IGNORE) continue;
                int guess = i < len ? enc[r * t + i] : i == len ? eos : pad;
                if (guess == target) correct++;
            }
        }
        return correct;
    }

    /** The leading sentence pieces that fit in {@code max} tokens (the last one cut). */
    static List<int[]> truncate(List<int[]> pieces, int max) {
        List<int[]> out = new ArrayList<>();
        int used = 0;
        for (int[] p : pieces) {
            if (used == max) break;
            int take = Math.min(p.length, max - used);
            out.add(take == p.length ? p : java.util.Arrays.copyOf(p, take));
            used += take;
        }
        return out;
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        if (v != 0) java.util.Arrays.fill(a, v);
        return a;
    }
}
