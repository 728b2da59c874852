package dev.kiln.objective.contrastive;

import dev.kiln.api.config.Config;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.tokenizer.Tokenizer;

/**
 * The contrastive objective ("contrastive"). Config keys (strict):
 * <ul>
 *   <li>{@code loss}: infonce (default) | triplet | simcse;</li>
 *   <li>{@code pooler}: mean (default, over non-padding tokens) | first;</li>
 *   <li>{@code temperature} (0.05; InfoNCE and SimCSE);</li>
 *   <li>{@code distance}: euclidean (default) | cosine, and {@code margin} (5 for euclidean, 0.5 for
 *       cosine; sentence-transformers' TripletLoss default is 5 with euclidean) — triplet only;</li>
 *   <li>{@code hard_negatives} (true): InfoNCE also contrasts each anchor with the batch's {@code negative}s;</li>
 *   <li>{@code split_sentences} (true) and {@code min_chars} (8): simcse turns each {@code text} into sentences;</li>
 *   <li>{@code shuffle} (true), {@code drop_last} (false).</li>
 * </ul>
 */
public final class ContrastiveObjectiveFactory implements ObjectiveFactory {
    public static final String NAME = "contrastive";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "contrastive sentence embeddings: InfoNCE (in-batch + hard negatives), triplet margin, unsupervised SimCSE"; }

    @Override
    public Objective create(Config c, ObjectiveContext ctx) {
        String loss = c.getChoice("loss", "infonce", "infonce", "triplet", "simcse");
        String pooler = c.getChoice("pooler", "mean", "mean", "first");
        double temperature = c.getDouble("temperature", 0.05);
        String distance = c.getChoice("distance", "euclidean", "euclidean", "cosine");
        double margin = c.getDouble("margin", distance.equals("cosine") ? 0.5 : 5.0);
        boolean hard = c.getBoolean("hard_negatives", true);
        boolean split = c.getBoolean("split_sentences", true);
        int minChars = c.getInt("min_chars", 8);
        boolean shuffle = c.getBoolean("shuffle", true), dropLast = c.getBoolean("drop_last", false);
        c.finish();
        if (!(temperature > 0)) throw c.error("temperature", "must be > 0, got " + temperature);
        if (!(margin >= 0)) throw c.error("margin", "must be >= 0, got " + margin);
        if (minChars < 0) throw c.error("min_chars", "must be >= 0, got " + minChars);
        if (!loss.equals("triplet"))
            for (String k : new String[] {"distance", "margin"})
                if (c.raw().containsKey(k)) throw c.error(k, "only applies to loss triplet (loss is " + loss + ")");
        if (!loss.equals("simcse"))
            for (String k : new String[] {"split_sentences", "min_chars"})
                if (c.raw().containsKey(k)) throw c.error(k, "only applies to loss simcse (loss is " + loss + ")");
        if (loss.equals("triplet") && c.raw().containsKey("temperature")) throw c.error("temperature", "does not apply to loss triplet");
        Tokenizer tok = ctx.tokenizer();
        if (tok == null) throw new IllegalArgumentException(c.section() + ": needs a tokenizer");
        var settings = new ContrastiveObjective.Settings(loss, pooler, (float) temperature, distance, (float) margin, hard, split, minChars, shuffle, dropLast);
        ContrastiveObjective o = new ContrastiveObjective(tok, ctx.model(), settings);
        if (ctx.model() != null) o.checkModel(ctx.model());
        return o;
    }
}
