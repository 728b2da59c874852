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
 *       gets decay^(L−1−i), the embeddings decay^L, everything else 1.</li>
 * </ul>
 */
public final class FullFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "full";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "train every parameter, optionally freezing embeddings / lower layers, with layer-wise LR decay"; }

    @Override
    public Role role() { return Role.PARAMETERS; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        boolean freezeEmbeddings = config.getBoolean("freeze_embeddings", false);
        int freezeLayers = config.getInt("freeze_layers", 0);
        double decay = config.getDouble("layer_lr_decay", 1.0);
        config.finish();
        if (freezeLayers < 0) throw config.error("freeze_layers", "must be >= 0, got " + freezeLayers);
        if (!(decay > 0 && decay <= 1)) throw config.error("layer_lr_decay", "must be in (0, 1], got " + decay);
        TransformerConfig model = context == null ? null : context.model();
        if (model != null && freezeLayers > model.layers())
            throw config.error("freeze_layers", "is " + freezeLayers + " but the model has only " + model.layers() + " layers (model.layers)");
        return new FullFineTuner(freezeEmbeddings, freezeLayers, decay, model == null ? -1 : model.layers());
    }
}
