package dev.kiln.finetune.full;

import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;

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
 */
public final class FullFineTuner implements FineTuner {
    private static final String BLOCKS = "blocks.", EMBED = "embed.";

    private final boolean freezeEmbeddings;
    private final int freezeLayers;
    private final double layerLrDecay;
    private int layers;

    /** @param layers the model's block count, or -1 until {@link #configure} sees the model */
    public FullFineTuner(boolean freezeEmbeddings, int freezeLayers, double layerLrDecay, int layers) {
        this.freezeEmbeddings = freezeEmbeddings;
        this.freezeLayers = freezeLayers;
        this.layerLrDecay = layerLrDecay;
        this.layers = layers;
    }

    @Override
    public String name() { return FullFineTunerFactory.NAME; }

    public boolean freezeEmbeddings() { return freezeEmbeddings; }

    public int freezeLayers() { return freezeLayers; }

    public double layerLrDecay() { return layerLrDecay; }

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
        return "full(freeze_embeddings=" + freezeEmbeddings + ", freeze_layers=" + freezeLayers + ", layer_lr_decay=" + layerLrDecay + ")";
    }
}
