package dev.kiln.objective.clm;

import dev.kiln.api.config.Config;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.tokenizer.Tokenizer;

/**
 * The causal language-modelling objective ("clm"): next-token prediction over packed blocks.
 *
 * <p>Config keys (strict):
 * <ul>
 *   <li>{@code separator} (default true): put the tokenizer's {@code <|endoftext|>} between documents;</li>
 *   <li>{@code shuffle} (default true): shuffle block order with the epoch seed;</li>
 *   <li>{@code label_smoothing} (default 0, in [0, 1));</li>
 *   <li>{@code drop_last} (default false): drop the final partial batch instead of keeping it smaller.</li>
 * </ul>
 */
public final class ClmObjectiveFactory implements ObjectiveFactory {
    public static final String NAME = "clm";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "causal LM: next-token cross-entropy over packed blocks of documents"; }

    @Override
    public Objective create(Config config, ObjectiveContext context) {
        boolean separator = config.getBoolean("separator", true);
        boolean shuffle = config.getBoolean("shuffle", true);
        double smoothing = config.getDouble("label_smoothing", 0.0);
        boolean dropLast = config.getBoolean("drop_last", false);
        config.finish();
        if (!(smoothing >= 0 && smoothing < 1)) throw config.error("label_smoothing", "must be in [0, 1), got " + smoothing);
        Tokenizer tok = context.tokenizer();
        if (tok == null) throw new IllegalArgumentException(config.section() + ": needs a tokenizer");
        int eos = separator ? tok.requireSpecial(Tokenizer.EOS) : -1;
        return new ClmObjective(tok, context.model(), new ClmObjective.Settings(eos, shuffle, (float) smoothing, dropLast));
    }
}
