package dev.kiln.finetune.full;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;

/**
 * Full fine-tuning ("full", role PARAMETERS): every parameter trains unless told otherwise.
 *
 * <p>Config keys (strict):
 * <ul>
 *   <li>{@code freeze_embeddings} (default false): freeze every {@code embed.*} parameter. A tied
 *       LM head <em>is</em> the token embedding, so it freezes too;</li>
 *   <li>{@code freeze_layers} (default 0): freeze blocks {@code 0 .. K-1};</li>
 *   <li>{@code layer_lr_decay} (default 1.0, in (0, 1]): discriminative learning rates, block i
 *       gets decay^(L−1−i), the embeddings decay^L, everything else 1;</li>
 *   <li>{@code l2sp} (default 0 = off; α ≥ 0): L2-SP (Li et al. 2018), the extra loss
 *       α/2 · Σ ‖w − w₀‖² pulling the trainable backbone parameters toward their pretrained
 *       values w₀ (copied at configure time; heads excluded) to limit forgetting. It replaces
 *       weight decay for the backbone in the paper: pair it with weight_decay 0 for the backbone
 *       (decay pulls toward 0 instead). The penalty is a sum over every weight while the task loss
 *       is a mean, so α is tuned per model size on held-out data of both tasks.</li>
 * </ul>
 */
public final class FullFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "full";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "train every parameter, optionally freezing embeddings / lower layers, with layer-wise LR decay and L2-SP toward the pretrained weights"; }

    @Override
    public Role role() { return Role.PARAMETERS; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        boolean freezeEmbeddings = config.getBoolean("freeze_embeddings", false);
        int freezeLayers = config.getInt("freeze_layers", 0);
        double decay = config.getDouble("layer_lr_decay", 1.0);
        double l2sp = config.getDouble("l2sp", 0);
        config.finish();
        if (freezeLayers < 0) throw config.error("freeze_layers", "must be >= 0, got " + freezeLayers);
        if (!(decay > 0 && decay <= 1)) throw config.error("layer_lr_decay", "must be in (0, 1], got " + decay);
        if (!(l2sp >= 0) || !Double.isFinite(l2sp)) throw config.error("l2sp", "must be a finite number >= 0 (the L2-SP strength α; 0 turns it off), got " + l2sp);
        TransformerConfig model = context == null ? null : context.model();
        if (model != null && freezeLayers > model.layers())
            throw config.error("freeze_layers", "is " + freezeLayers + " but the model has only " + model.layers() + " layers (model.layers)");
        return new FullFineTuner(freezeEmbeddings, freezeLayers, decay, l2sp, model == null ? -1 : model.layers());
    }
}
