package dev.kiln.objective.mlm;

import dev.kiln.api.config.Config;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.tokenizer.Tokenizer;

/**
 * The masked-language-modelling objective ("mlm"), BERT style.
 *
 * <p>Config keys (strict; defaults in parentheses):
 * <ul>
 *   <li>{@code mask_prob} (0.15): fraction of non-special tokens selected for prediction;</li>
 *   <li>{@code mask_replace_prob} (0.8), {@code random_replace_prob} (0.1): of the selected, the
 *       shares turned into [MASK] and into a random token; the rest stay unchanged (sum ≤ 1);</li>
 *   <li>{@code whole_word} (false): select whole words (see {@link WordStarts});</li>
 *   <li>{@code span} (false): select contiguous spans; {@code span_p} (0.2) is the Geometric
 *       parameter of span lengths, {@code max_span} (10) their cap, in words with whole_word;</li>
 *   <li>{@code pack} (false): join documents with [SEP] into full rows, every token once per epoch
 *       ({@link PackedRows}), instead of one chunk of each document per padded row and epoch
 *       ({@link DocumentRows});</li>
 *   <li>{@code shuffle} (true), {@code drop_last} (false): row order and the final partial batch.</li>
 * </ul>
 * Needs a tokenizer with [MASK], [CLS], [SEP] and [PAD], and a bidirectional model.
 */
public final class MlmObjectiveFactory implements ObjectiveFactory {
    public static final String NAME = "mlm";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "masked LM (BERT): 15% of tokens, 80/10/10 [MASK]/random/kept, tied MLM head; whole-word and span options"; }

    @Override
    public Objective create(Config config, ObjectiveContext context) {
        MlmSettings d = MlmSettings.defaults();
        double maskProb = config.getDouble("mask_prob", d.maskProb());
        double maskReplace = config.getDouble("mask_replace_prob", d.maskReplaceProb());
        double randomReplace = config.getDouble("random_replace_prob", d.randomReplaceProb());
        boolean wholeWord = config.getBoolean("whole_word", d.wholeWord());
        boolean span = config.getBoolean("span", d.span());
        double spanP = config.getDouble("span_p", d.spanP());
        int maxSpan = config.getInt("max_span", d.maxSpan());
        boolean pack = config.getBoolean("pack", d.pack());
        boolean shuffle = config.getBoolean("shuffle", d.shuffle());
        boolean dropLast = config.getBoolean("drop_last", d.dropLast());
        config.finish();
        if (!(maskProb > 0 && maskProb < 1)) throw config.error("mask_prob", "must be in (0, 1), got " + maskProb);
        if (!(maskReplace >= 0 && maskReplace <= 1)) throw config.error("mask_replace_prob", "must be in [0, 1], got " + maskReplace);
        if (!(randomReplace >= 0 && randomReplace <= 1)) throw config.error("random_replace_prob", "must be in [0, 1], got " + randomReplace);
        if (maskReplace + randomReplace > 1 + 1e-9)
            throw config.error("random_replace_prob", "plus mask_replace_prob must be at most 1, got " + randomReplace + " + " + maskReplace);
        if (!(spanP > 0 && spanP <= 1)) throw config.error("span_p", "must be in (0, 1], got " + spanP);
        if (maxSpan < 1) throw config.error("max_span", "must be at least 1, got " + maxSpan);
        Tokenizer tok = context.tokenizer();
        if (tok == null) throw new IllegalArgumentException(config.section() + ": needs a tokenizer");
        for (String s : new String[] {Tokenizer.MASK, Tokenizer.CLS, Tokenizer.SEP, Tokenizer.PAD})
            if (tok.special(s).isEmpty())
                throw new IllegalArgumentException(config.section() + ": tokenizer '" + tok.name() + "' has no " + s + " token (has: " + tok.specialTokens().keySet() + ")");
        if (context.model() == null) throw new IllegalArgumentException(config.section() + ": needs the model's shape to build its head");
        MlmSettings settings = new MlmSettings(maskProb, maskReplace, randomReplace, wholeWord, span, spanP, maxSpan, pack, shuffle, dropLast);
        MlmHead head = new MlmHead(context.backend(), context.model(), context.seed() * 31 + 0x6d6c6dL);
        return new MlmObjective(tok, context.model(), settings, head);
    }
}
