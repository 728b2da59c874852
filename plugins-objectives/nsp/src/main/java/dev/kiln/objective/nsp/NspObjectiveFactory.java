package dev.kiln.objective.nsp;

import dev.kiln.api.config.Config;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.tokenizer.Tokenizer;

/**
 * The next-sentence-prediction objective ("nsp"), BERT style.
 *
 * <p>Config keys (strict; defaults in parentheses):
 * <ul>
 *   <li>{@code next_prob} (0.5): share of pairs whose B is the actual next sentence;</li>
 *   <li>{@code shuffle} (true): shuffle document (so pair) order with the epoch seed;</li>
 *   <li>{@code drop_last} (false): drop the final partial batch.</li>
 * </ul>
 * Needs a tokenizer with [CLS], [SEP] and [PAD], and a bidirectional model with type_vocab ≥ 2.
 */
public final class NspObjectiveFactory implements ObjectiveFactory {
    public static final String NAME = "nsp";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "next-sentence prediction (BERT): [CLS] A [SEP] B [SEP], 50% next / 50% random, pooler + 2-way classifier"; }

    @Override
    public Objective create(Config config, ObjectiveContext context) {
        NspSettings d = NspSettings.defaults();
        double nextProb = config.getDouble("next_prob", d.nextProb());
        boolean shuffle = config.getBoolean("shuffle", d.shuffle());
        boolean dropLast = config.getBoolean("drop_last", d.dropLast());
        config.finish();
        if (!(nextProb >= 0 && nextProb <= 1)) throw config.error("next_prob", "must be in [0, 1], got " + nextProb);
        Tokenizer tok = context.tokenizer();
        if (tok == null) throw new IllegalArgumentException(config.section() + ": needs a tokenizer");
        for (String s : new String[] {Tokenizer.CLS, Tokenizer.SEP, Tokenizer.PAD})
            if (tok.special(s).isEmpty())
                throw new IllegalArgumentException(config.section() + ": tokenizer '" + tok.name() + "' has no " + s + " token (has: " + tok.specialTokens().keySet() + ")");
        if (context.model() == null) throw new IllegalArgumentException(config.section() + ": needs the model's shape to build its head");
        NspHead head = new NspHead(context.backend(), context.model(), context.seed() * 31 + 0x6e7370L);
        return new NspObjective(tok, context.model(), new NspSettings(nextProb, shuffle, dropLast), head);
    }
}
