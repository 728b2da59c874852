package dev.kiln.finetune.full;

import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Full fine-tuning with optional frozen embeddings and lower blocks, and layer-wise learning-rate
 * decay (ULMFiT's discriminative rates, ELECTRA/BEiT's layer decay).
 *
 * <p>{@link #configure}: everything (backbone and heads) trains, then {@code embed.*} freezes when
 * {@code freeze_embeddings} (with tied embeddings that includes the LM head: it is the same tensor)
 * and {@code blocks.0 .. blocks.K-1} when {@code freeze_layers = K}.
 *
 * <p>{@link #learningRateScale}: with L blocks and decay d, {@code blocks.i.*} → d^(L−1−i),
 * {@code embed.*} → d^L, anything else (final norm, untied LM head, heads) → 1.
 *
 * <p>{@link #regularizer}: with {@code l2sp = α > 0}, L2-SP (Li et al. 2018, "Explicit Inductive
 * Bias for Transfer Learning with Convolutional Networks"): α/2 · Σ ‖w − w₀‖² over the backbone
 * parameters that train, w₀ being their values when {@link #configure} ran (a copy). Heads
 * have no pretrained value and are left to the optimizer's plain weight decay.
 */
public final class FullFineTuner implements FineTuner {
    private static final String BLOCKS = "blocks.", EMBED = "embed.";

    private final boolean freezeEmbeddings;
    private final int freezeLayers;
    private final double layerLrDecay;
    private final double l2sp;
    private int layers;
    /** The trainable backbone parameters and their values at configure time (L2-SP only). */
    private List<Anchor> anchors;

    private record Anchor(String name, Tensor weight, Tensor start) {}

    /** @param layers the model's block count, or -1 until {@link #configure} sees the model */
    public FullFineTuner(boolean freezeEmbeddings, int freezeLayers, double layerLrDecay, int layers) {
        this(freezeEmbeddings, freezeLayers, layerLrDecay, 0, layers);
    }

    /**
     * @param l2sp   α of L2-SP, 0 for none
     * @param layers the model's block count, or -1 until {@link #configure} sees the model
     */
    public FullFineTuner(boolean freezeEmbeddings, int freezeLayers, double layerLrDecay, double l2sp, int layers) {
        if (!(l2sp >= 0) || !Double.isFinite(l2sp)) throw new IllegalArgumentException("finetune 'full': l2sp must be a finite number >= 0, got " + l2sp);
        this.freezeEmbeddings = freezeEmbeddings;
        this.freezeLayers = freezeLayers;
        this.layerLrDecay = layerLrDecay;
        this.l2sp = l2sp;
        this.layers = layers;
    }

    @Override
    public String name() { return FullFineTunerFactory.NAME; }

    public boolean freezeEmbeddings() { return freezeEmbeddings; }

    public int freezeLayers() { return freezeLayers; }

    public double layerLrDecay() { return layerLrDecay; }

    public double l2sp() { return l2sp; }

    @Override
    public void configure(Transformer model, Module heads) {
        int l = model.config().layers();
        if (freezeLayers > l)
            throw new IllegalArgumentException("finetune 'full': freeze_layers = " + freezeLayers + " but the model has only " + l + " layers (model.layers)");
        this.layers = l;
        FineTuner.super.configure(model, heads);
        for (var e : model.namedParameters().entrySet()) {
            String name = e.getKey();
            if (freezeEmbeddings && name.startsWith(EMBED)) e.getValue().requiresGrad(false);
            int block = blockIndex(name);
            if (block >= 0 && block < freezeLayers) e.getValue().requiresGrad(false);
        }
        if (l2sp > 0) {
            anchors = new ArrayList<>();
            for (var e : model.namedParameters().entrySet()) {
                Tensor w = e.getValue();
                if (w.requiresGrad()) anchors.add(new Anchor(e.getKey(), w, Tensor.of(w.backend(), w.toArray(), w.dims())));
            }
        }
    }

    /**
     * α/2 · Σ ‖w − w₀‖² → [1] over the backbone parameters that trained at configure time and still
     * do (a tied LM head counts once, as the token embedding); null when {@code l2sp} is 0. Its
     * gradient is α·(w − w₀).
     */
    @Override
    public Tensor regularizer(Transformer model) {
        if (l2sp == 0) return null;
        if (anchors == null) throw new IllegalStateException("finetune 'full': l2sp needs the pretrained weights; call configure() first");
        Tensor sum = null;
        for (Anchor a : anchors) {
            if (!a.weight().requiresGrad()) continue;
            Tensor d = Arithmetic.sub(a.weight(), a.start());
            Tensor sq = Reductions.sum(Arithmetic.mul(d, d));                         // [1]
            sum = sum == null ? sq : Arithmetic.add(sum, sq);
        }
        return sum == null ? null : Arithmetic.mulScalar(sum, (float) (l2sp / 2));
    }

    /** The names of the parameters L2-SP pulls toward their configure-time values (empty without l2sp). */
    public List<String> l2spParameters() {
        return anchors == null ? List.of() : anchors.stream().map(Anchor::name).toList();
    }

    @Override
    public double learningRateScale(String parameterName) {
        if (layerLrDecay == 1.0) return 1.0;
        if (layers < 0) throw new IllegalStateException("finetune 'full': layer_lr_decay needs the model's layer count; call configure() first");
        int block = blockIndex(parameterName);
        if (block >= 0) return Math.pow(layerLrDecay, layers - 1 - block);
        if (parameterName.startsWith(EMBED)) return Math.pow(layerLrDecay, layers);
        return 1.0;
    }

    /** i for a name {@code blocks.<i>.…}, else -1. */
    static int blockIndex(String name) {
        if (!name.startsWith(BLOCKS)) return -1;
        int end = name.indexOf('.', BLOCKS.length());
        if (end <= BLOCKS.length()) return -1;
        int i = 0;
        for (int k = BLOCKS.length(); k < end; k++) {
            char c = name.charAt(k);
            if (c < '0' || c > '9' || i > 100_000_000) return -1;
            i = i * 10 + (c - '0');
        }
        return i;
    }

    @Override
    public String toString() {
        return "full(freeze_embeddings=" + freezeEmbeddings + ", freeze_layers=" + freezeLayers + ", layer_lr_decay=" + layerLrDecay + ", l2sp=" + l2sp + ")";
    }
}
