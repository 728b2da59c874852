package dev.kiln.objective.mmlm;

import dev.kiln.api.objective.Accuracy;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.data.TokenDocuments;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.kiln.api.ops.Activations.square;

/**
 * Masked multimodal LM: L = −Σ_{i∈M} log P(x_i | X_masked, Y), Y = image patches or audio frames.
 *
 * <p><b>Sequence</b>: T text positions ([CLS] tokens [SEP] when the tokenizer has them, padded), then
 * M feature positions; text embeds through the backbone's token table, features through
 * {@link MmlmHead}'s projection, each plus its modality embedding; the joint sequence
 * ({@link ModelInput#embeddings}, [B, T + M, C]) runs through the bidirectional backbone.
 *
 * <p><b>Batches</b> are made on demand ({@link ExampleBatches}): batch i holds the B examples at
 * positions [iB, iB + B) of a seeded permutation of the dataset (file order without
 * {@code shuffle}), read by index, so an epoch costs one batch of memory and a resumed run can
 * start at any batch. Its random stream, drawn row by row (text masks, then feature masks), comes
 * from (seed, i) alone. Text is the dataset's token ids when it is {@linkplain Dataset#tokenized()
 * tokenized}, else the encoded {@code text} field; features come from each example's file
 * ({@link FeatureSource}, a bounded cache). M is the batch's longest feature sequence.
 * Keys: {@code ids}, {@code targets}, {@code mask} [B, T]; float {@code features}
 * [B, M, F]; {@code feature_mask} [B, M] (1 = real frame / patch), {@code feature_targets} [B, M]
 * (1 = masked for regression: input zeroed, original regressed with squared error).
 *
 * <p><b>Metrics</b>: {@code loss} (text CE + weight · feature loss), {@code mlm_loss},
 * {@code feature_loss} when feature masking is on, and in evaluation only (host work: the logits
 * leave the backend) {@code accuracy} (masked-token).
 */
final class MmlmObjective implements Objective {

    /** Parsed config. */
    record Settings(String modality, double maskProb, double maskRatio, double randomRatio, double featureMaskProb,
                    double featureWeight, boolean shuffle, boolean dropLast) {}

    private final Tokenizer tok;
    private final TransformerConfig model;
    private final Settings s;
    private final FeatureSource source;
    private final TextMasking masking;
    private final MmlmHead head;
    private final int cls, sep, pad;

    MmlmObjective(Tokenizer tok, TransformerConfig model, Settings s, FeatureSource source, Backend be, long seed) {
        this.tok = tok;
        this.model = model;
        this.s = s;
        this.source = source;
        this.masking = new TextMasking(s.maskProb(), s.maskRatio(), s.randomRatio(), tok.requireSpecial(Tokenizer.MASK), tok.vocabSize(), tok::isSpecial);
        this.head = new MmlmHead(be, source.dim(), model.dModel(), model.initStd(), s.featureMaskProb() > 0, seed);
        this.cls = tok.special(Tokenizer.CLS).orElse(-1);
        this.sep = tok.special(Tokenizer.SEP).orElse(-1);
        this.pad = tok.special(Tokenizer.PAD).orElse(0);
    }

    @Override
    public String name() { return MmlmObjectiveFactory.NAME; }

    @Override
    public Module head() { return head; }

    @Override
    public void checkModel(TransformerConfig m) {
        if (m.causal())
            throw new IllegalArgumentException("objective 'mmlm' needs a bidirectional encoder: set model.causal = false");
        if (m.vocab() < tok.vocabSize())
            throw new IllegalArgumentException("objective 'mmlm': model.vocab = " + m.vocab() + " is smaller than tokenizer '"
                    + tok.name() + "' vocabulary of " + tok.vocabSize());
        if (m.dModel() != model.dModel())
            throw new IllegalArgumentException("objective 'mmlm': its projection was built for d_model " + model.dModel() + ", the model has " + m.dModel());
    }

    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        int t = spec.seqLen(), m = source.maxPositions();
        if (model.positions().bounded() && t + m > model.usablePositions())
            throw new IllegalArgumentException("objective 'mmlm': seq_len " + t + " + " + m + " " + s.modality()
                    + " positions exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        return ExampleBatches.of(data, spec.batchSize(), s.shuffle(), s.dropLast(), seed, (rows, idx, rng) -> batch(data, rows, idx, rng, t));
    }

    /** One batch from its examples (features from their files, text from the token documents when the dataset has them). */
    private Batch batch(Dataset data, List<Example> rows, long[] idx, Random rng, int t) {
        int b = rows.size(), f = source.dim();
        float[][] feats = new float[b][];
        int frames = 1;
        for (int r = 0; r < b; r++) {
            feats[r] = source.features(rows.get(r));                                 // [n_r, F]
            frames = Math.max(frames, feats[r].length / f);
        }
        int[] ids = new int[b * t], targets = new int[b * t], mask = new int[b * t];
        float[] features = new float[b * frames * f];
        int[] valid = new int[b * frames], regress = new int[b * frames];
        long tokens = 0;
        for (int r = 0; r < b; r++) {
            int len = writeText(text(data, rows.get(r), idx[r], t), ids, mask, r * t, t);
            masking.apply(ids, targets, r * t, t, rng);
            for (int i = len; i < t; i++) targets[r * t + i] = Losses.IGNORE;
            int real = feats[r].length / f;
            System.arraycopy(feats[r], 0, features, r * frames * f, feats[r].length);
            for (int k = 0; k < real; k++) {
                valid[r * frames + k] = 1;
                if (s.featureMaskProb() > 0 && rng.nextDouble() < s.featureMaskProb()) regress[r * frames + k] = 1;
            }
            tokens += len + real;
        }
        return new Batch()
                .put("ids", new IntTensor(ids, b, t))                       // [B, T] masked text
                .put("targets", new IntTensor(targets, b, t))               // [B, T] originals at masked positions
                .put("mask", new IntTensor(mask, b, t))                     // [B, T]
                .put("features", features, b, frames, f)                    // [B, M, F]
                .put("feature_mask", new IntTensor(valid, b, frames))       // [B, M]
                .put("feature_targets", new IntTensor(regress, b, frames))  // [B, M]
                .tokens(tokens);
    }

    /** The example's text as token ids: read from a tokenized dataset (at most t, all a row can hold), else encoded. */
    private int[] text(Dataset data, Example ex, long index, int t) {
        if (!data.tokenized()) return tok.encode(ex.string("text"));
        TokenDocuments docs = data.tokens();
        int[] ids = new int[Math.min(docs.length(index), t)];
        docs.read(docs.start(index), ids, 0, ids.length);
        return ids;
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        IntTensor ids = batch.ints("ids"), targets = batch.ints("targets"), mask = batch.ints("mask");
        IntTensor valid = batch.ints("feature_mask"), regress = batch.ints("feature_targets");
        Batch.FloatData fd = batch.floats("features");
        int b = ids.dim(0), t = ids.dim(1), m = valid.dim(1), f = source.dim();
        Backend be = net.backend();
        float[] clean = fd.data(), input = clean.clone();
        int masked = 0;
        for (int i = 0; i < b * m; i++) if (regress.data()[i] == 1) { java.util.Arrays.fill(input, i * f, (i + 1) * f, 0f); masked++; }
        Tensor text = Arithmetic.add(net.embedTokens(ids), head.type(MmlmHead.TEXT));                   // [B, T, C]
        Tensor feats = head.embedFeatures(Tensor.of(be, input, b, m, f), source.kind());                // [B, M, C]
        Tensor x = Shapes.concat(1, List.of(text, feats));                                              // [B, T+M, C]
        int[] joint = new int[b * (t + m)];
        for (int r = 0; r < b; r++) {
            System.arraycopy(mask.data(), r * t, joint, r * (t + m), t);
            System.arraycopy(valid.data(), r * m, joint, r * (t + m) + t, m);
        }
        Tensor h = net.forward(ModelInput.ofEmbeddings(x).withAttentionMask(new IntTensor(joint, b, t + m)));   // [B, T+M, C]
        Tensor logits = net.logits(Shapes.slice(h, 1, 0, t));                                           // [B, T, V]
        Tensor mlm = Losses.crossEntropy(logits, targets);
        Tensor loss = mlm;
        Map<String, Double> metrics = new LinkedHashMap<>();
        Double featureLoss = null;
        if (head.featureOut() != null) {
            float[] sel = new float[b * m];
            for (int i = 0; i < sel.length; i++) sel[i] = regress.data()[i];
            Tensor pred = head.featureOut().forward(Shapes.slice(h, 1, t, t + m));                      // [B, M, F]
            Tensor err = Arithmetic.mul(square(Arithmetic.sub(pred, Tensor.of(be, clean, b, m, f))), Tensor.of(be, sel, b, m, 1));
            Tensor fl = Arithmetic.mulScalar(Reductions.sum(err), 1f / Math.max(1, masked));           // mean over masked positions of Σ_f
            loss = Arithmetic.add(mlm, Arithmetic.mulScalar(fl, (float) s.featureWeight()));
            featureLoss = (double) fl.item();
        }
        metrics.put("loss", (double) loss.item());
        metrics.put("mlm_loss", (double) mlm.item());
        if (featureLoss != null) metrics.put("feature_loss", featureLoss);
        long counted = 0;
        for (int v : targets.data()) if (v != Losses.IGNORE) counted++;
        double weight = counted == 0 ? 1e-9 : counted;                       // weight = masked tokens
        if (net.isTraining()) return new Output(loss, metrics, weight);      // logits stay on the backend
        metrics.put("accuracy", Accuracy.of(logits.toArray(), targets.data(), logits.dim(-1), Losses.IGNORE).rate());
        return new Output(loss, metrics, weight);
    }


    /** [CLS] tokens [SEP] (those the tokenizer has), cut to t, padded; returns the real length. */
    private int writeText(int[] enc, int[] ids, int[] mask, int at, int t) {
        int n = 0;
        java.util.Arrays.fill(ids, at, at + t, pad);
        if (cls >= 0 && n < t) ids[at + n++] = cls;
        for (int i = 0; i < enc.length && n < t - (sep >= 0 ? 1 : 0); i++) ids[at + n++] = enc[i];
        if (sep >= 0 && n < t) ids[at + n++] = sep;
        if (n == 0) ids[at + n++] = pad;
        for (int i = 0; i < n; i++) mask[at + i] = 1;
        return n;
    }
}
