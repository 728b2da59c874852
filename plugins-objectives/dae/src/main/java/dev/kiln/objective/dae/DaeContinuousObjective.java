package dev.kiln.objective.dae;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.kiln.api.ops.Activations.square;

/**
 * Denoising of continuous inputs: feature vectors x_t ∈ R^F get Gaussian noise (std σ) and / or
 * dropout noise (each value zeroed with probability p, not rescaled: the classic masking noise);
 * a learned {@code in_proj} (F → C) feeds the backbone as embeddings, {@code out_proj} (C → F)
 * reconstructs, and the loss is the seed's squared error Σ_t ||x_t − x̂_t||² summed over the real
 * positions of a sequence and averaged over the sequences of the batch.
 *
 * <p><b>Batches</b>: float {@code clean} and {@code noisy} [B, T, F]; int {@code mask} [B, T] (1 = real
 * vector) and {@code example} [B] (dataset indices). <b>Metrics</b>: {@code loss}, {@code mse} (per
 * value), {@code copy_loss} (the same squared error for answering with the noisy input, the
 * baseline to beat). {@link Output#weight()} = sequences.
 */
final class DaeContinuousObjective implements Objective {

    /** Parsed continuous-mode config. */
    record Settings(double gaussianStd, double dropout, boolean shuffle, boolean dropLast) {}

    private final TransformerConfig model;
    private final Settings settings;
    private final FeatureVectors source;
    private final Transformer.Group head = new Transformer.Group();
    private final Linear in, out;

    DaeContinuousObjective(TransformerConfig model, Settings settings, FeatureVectors source, Backend be, long seed) {
        this.model = model;
        this.settings = settings;
        this.source = source;
        Random rng = new Random(seed);
        this.in = head.child("in_proj", new Linear(be, rng, source.dim(), model.dModel(), true, model.initStd()));
        this.out = head.child("out_proj", new Linear(be, rng, model.dModel(), source.dim(), true, model.initStd()));
    }

    @Override
    public String name() { return DaeObjectiveFactory.NAME; }

    @Override
    public Module head() { return head; }

    @Override
    public void checkModel(TransformerConfig m) {
        if (m.causal())
            throw new IllegalArgumentException("objective 'dae' (mode continuous) encodes the noisy sequence bidirectionally: set model.causal = false");
        if (m.dModel() != model.dModel())
            throw new IllegalArgumentException("objective 'dae': its projections were built for d_model " + model.dModel() + ", the model has " + m.dModel());
    }

    @Override
    public List<Batch> prepare(Dataset data, BatchSpec spec, long seed) {
        int t = spec.seqLen(), f = source.dim(), n = data.size();
        if (model.positions().bounded() && t > model.usablePositions())
            throw new IllegalArgumentException("objective 'dae': sequence length " + t + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (settings.shuffle()) TextNoise.shuffleInPlace(order, new Random(seed));
        List<Batch> batches = new ArrayList<>();
        for (int from = 0; from < n; from += spec.batchSize()) {
            int b = Math.min(spec.batchSize(), n - from);
            if (b < spec.batchSize() && settings.dropLast() && !batches.isEmpty()) break;
            float[] clean = new float[b * t * f], noisy = new float[b * t * f];
            int[] mask = new int[b * t], examples = new int[b];
            long tokens = 0;
            for (int r = 0; r < b; r++) {
                int idx = order[from + r];
                examples[r] = idx;
                float[] x = source.read(data.examples().get(idx), idx, t);
                int len = x.length / f;
                Random rng = new Random(seed * 0x9E3779B97F4A7C15L + idx);
                for (int i = 0; i < x.length; i++) {
                    float v = x[i];
                    clean[r * t * f + i] = v;
                    if (settings.gaussianStd() > 0) v += (float) (rng.nextGaussian() * settings.gaussianStd());
                    if (settings.dropout() > 0 && rng.nextDouble() < settings.dropout()) v = 0f;
                    noisy[r * t * f + i] = v;
                }
                for (int i = 0; i < len; i++) mask[r * t + i] = 1;
                tokens += len;
            }
            if (tokens == 0) continue;
            batches.add(new Batch()
                    .put("clean", clean, b, t, f)                       // [B, T, F]
                    .put("noisy", noisy, b, t, f)                       // [B, T, F]
                    .put("mask", new IntTensor(mask, b, t))             // [B, T]
                    .put("example", new IntTensor(examples, b))         // [B]
                    .tokens(tokens));
        }
        return batches;
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        Batch.FloatData cleanData = batch.floats("clean"), noisyData = batch.floats("noisy");
        IntTensor mask = batch.ints("mask");
        int b = mask.dim(0), t = mask.dim(1), f = source.dim();
        var be = net.backend();
        Tensor noisy = Tensor.of(be, noisyData.data(), b, t, f);
        Tensor clean = Tensor.of(be, cleanData.data(), b, t, f);
        float[] m = new float[b * t];
        int real = 0;
        for (int i = 0; i < m.length; i++) { m[i] = mask.data()[i]; real += mask.data()[i]; }
        Tensor keep = Tensor.of(be, m, b, t, 1);                                                   // [B, T, 1]
        Tensor h = net.forward(ModelInput.ofEmbeddings(in.forward(noisy)).withAttentionMask(mask)); // [B, T, C]
        Tensor recon = out.forward(h);                                                             // [B, T, F]
        Tensor sq = Reductions.sum(Arithmetic.mul(square(Arithmetic.sub(clean, recon)), keep));   // [1]
        Tensor loss = Arithmetic.mulScalar(sq, 1f / b);
        double copy = 0;
        float[] c = cleanData.data(), z = noisyData.data();
        for (int i = 0; i < c.length; i++) if (m[i / f] != 0) copy += (c[i] - z[i]) * (double) (c[i] - z[i]);
        Map<String, Double> metrics = new LinkedHashMap<>();
        double value = loss.item();
        metrics.put("loss", value);
        metrics.put("mse", value * b / Math.max(1, (long) real * f));
        metrics.put("copy_loss", copy / b);
        return new Output(loss, metrics, b);
    }
}
