package dev.kiln.objective.dae;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

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
 * <p><b>Batches</b> are made on demand ({@link ExampleBatches}): batch i holds the examples at
 * positions [iB, iB + B) of a seeded permutation of the dataset (file order without
 * {@code shuffle}), read by index, and its noise comes from its own random stream (seed, i), drawn
 * row by row, so an epoch costs one batch of memory and a resumed run can start at any batch.
 * Generated sequences depend on the example's dataset index only. A batch whose sequences are all
 * empty is still made (the epoch's batch count is fixed before any example is read): it reports
 * 0 tokens and its loss is 0. Keys: float {@code clean} and {@code noisy} [B, T, F]; int
 * {@code mask} [B, T] (1 = real vector) and {@code example} [B] (dataset indices).
 *
 * <p><b>Metrics</b>: {@code loss}, {@code mse} (per value), {@code copy_loss} (the same squared
 * error for answering with the noisy input, the baseline to beat). {@link Output#weight()} = sequences.
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
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        int t = spec.seqLen();
        if (model.positions().bounded() && t > model.usablePositions())
            throw new IllegalArgumentException("objective 'dae': sequence length " + t + " exceeds model.max_seq = " + model.maxSeq()
                    + (model.positionOffset() > 0 ? " less position_offset " + model.positionOffset() : ""));
        return ExampleBatches.of(data, spec.batchSize(), settings.shuffle(), settings.dropLast(), seed, (rows, idx, rng) -> batch(rows, idx, rng, t));
    }

    /** One batch: each row's vectors (cut to t), with noise drawn from the batch's random stream row by row. */
    private Batch batch(List<Example> rows, long[] idx, Random rng, int t) {
        int b = rows.size(), f = source.dim();
        float[] clean = new float[b * t * f], noisy = new float[b * t * f];
        int[] mask = new int[b * t], examples = new int[b];
        long tokens = 0;
        for (int r = 0; r < b; r++) {
            examples[r] = Math.toIntExact(idx[r]);
            float[] x = source.read(rows.get(r), idx[r], t);                    // [n, F] flattened, n ≤ t
            int len = x.length / f;
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
        return new Batch()
                .put("clean", clean, b, t, f)                       // [B, T, F]
                .put("noisy", noisy, b, t, f)                       // [B, T, F]
                .put("mask", new IntTensor(mask, b, t))             // [B, T]
                .put("example", new IntTensor(examples, b))         // [B]
                .tokens(tokens);
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
