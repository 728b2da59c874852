package dev.kiln.objective.dae;

import dev.kiln.api.config.Config;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.List;

/**
 * The denoising-autoencoder objective ("dae"). Config keys (strict; keys of the other mode are errors):
 * <ul>
 *   <li>{@code mode}: text (default; BART encoder-decoder) | continuous (feature vectors);</li>
 *   <li>{@code shuffle} (true), {@code drop_last} (false);</li>
 *   <li>text: {@code mask_rate} (0), {@code replace_rate} (0), {@code delete_rate} (0),
 *       {@code infill_rate} (0.3), {@code poisson_lambda} (3), {@code permute_rate} (1.0),
 *       {@code rotate_rate} (0) — BART's final setting by default; {@code decoder_layers}
 *       (the backbone's layers), {@code label_smoothing} (0);</li>
 *   <li>continuous: {@code feature_dim} (required), {@code source} (field | generated, default
 *       field), {@code field} ("features"), {@code generated_length} (64), {@code gaussian_std}
 *       (0.1), {@code dropout} (0).</li>
 * </ul>
 */
public final class DaeObjectiveFactory implements ObjectiveFactory {
    public static final String NAME = "dae";
    static final List<String> TEXT_KEYS = List.of("mask_rate", "replace_rate", "delete_rate", "infill_rate", "poisson_lambda",
            "permute_rate", "rotate_rate", "decoder_layers", "label_smoothing");
    static final List<String> CONTINUOUS_KEYS = List.of("feature_dim", "source", "field", "generated_length", "gaussian_std", "dropout");

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "denoising autoencoder: BART noise (mask, replace, delete, infill, permute, rotate) + encoder-decoder reconstruction, or continuous features";
    }

    @Override
    public Objective create(Config c, ObjectiveContext ctx) {
        String mode = c.getChoice("mode", "text", "text", "continuous");
        boolean shuffle = c.getBoolean("shuffle", true), dropLast = c.getBoolean("drop_last", false);
        TextNoise.Rates rates = new TextNoise.Rates(rate(c, "mask_rate", 0), rate(c, "replace_rate", 0), rate(c, "delete_rate", 0),
                rate(c, "infill_rate", 0.3), c.getDouble("poisson_lambda", 3.0), rate(c, "permute_rate", 1.0), rate(c, "rotate_rate", 0));
        TransformerConfig model = ctx.model();
        if (model == null) throw new IllegalArgumentException(c.section() + ": needs the model's shape to build its head");
        int decoderLayers = c.getInt("decoder_layers", model.layers());
        double smoothing = c.getDouble("label_smoothing", 0.0);
        int featureDim = c.getInt("feature_dim", 0);
        String source = c.getChoice("source", "field", "field", "generated");
        String field = c.getString("field", "features");
        int generatedLength = c.getInt("generated_length", 64);
        double std = c.getDouble("gaussian_std", 0.1), dropout = c.getDouble("dropout", 0.0);
        c.finish();
        for (String k : mode.equals("text") ? CONTINUOUS_KEYS : TEXT_KEYS)
            if (c.raw().containsKey(k)) throw c.error(k, "only applies to mode " + (mode.equals("text") ? "continuous" : "text") + " (mode is " + mode + ")");
        if (mode.equals("continuous")) {
            if (featureDim <= 0) throw c.error("feature_dim", "is required for mode continuous and must be positive, got " + featureDim);
            if (generatedLength <= 0) throw c.error("generated_length", "must be positive, got " + generatedLength);
            if (!(std >= 0)) throw c.error("gaussian_std", "must be >= 0, got " + std);
            if (!(dropout >= 0 && dropout < 1)) throw c.error("dropout", "must be in [0, 1), got " + dropout);
            FeatureVectors fv = new FeatureVectors(source.equals("field") ? field : null, featureDim, generatedLength);
            return new DaeContinuousObjective(model, new DaeContinuousObjective.Settings(std, dropout, shuffle, dropLast), fv, ctx.backend(), ctx.seed());
        }
        if (!(rates.lambda() >= 0 && rates.lambda() <= 64)) throw c.error("poisson_lambda", "must be in [0, 64], got " + rates.lambda());
        if (decoderLayers < 1) throw c.error("decoder_layers", "must be at least 1, got " + decoderLayers);
        if (!(smoothing >= 0 && smoothing < 1)) throw c.error("label_smoothing", "must be in [0, 1), got " + smoothing);
        Tokenizer tok = ctx.tokenizer();
        if (tok == null) throw new IllegalArgumentException(c.section() + ": needs a tokenizer");
        if (tok.special(Tokenizer.MASK).isEmpty() && (rates.mask() > 0 || rates.infill() > 0))
            throw new IllegalArgumentException(c.section() + ": mask_rate / infill_rate need a " + Tokenizer.MASK + " token; tokenizer '"
                    + tok.name() + "' has only " + tok.specialTokens().keySet());
        var settings = new DaeTextObjective.Settings(rates, decoderLayers, shuffle, dropLast, (float) smoothing);
        return new DaeTextObjective(tok, model, settings, ctx.backend(), ctx.seed());
    }

    private static double rate(Config c, String key, double dflt) {
        double v = c.getDouble(key, dflt);
        if (!(v >= 0 && v <= 1)) throw c.error(key, "must be in [0, 1], got " + v);
        return v;
    }
}
