package dev.kiln.objective.mmlm;

import dev.kiln.api.config.Config;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.List;

/**
 * The masked multimodal LM objective ("mmlm"). Config keys (strict; keys of the other modality are errors):
 * <ul>
 *   <li>{@code modality}: image (default) | audio — the JSONL field holding the file path;</li>
 *   <li>{@code mask_prob} (0.15), {@code mask_token_ratio} (0.8), {@code random_token_ratio} (0.1): BERT masking of the text;</li>
 *   <li>{@code feature_mask_prob} (0: off), {@code feature_loss_weight} (1.0): masked feature regression;</li>
 *   <li>image: {@code image_size} (32), {@code patch_size} (8), {@code channels} (rgb | gray);</li>
 *   <li>audio: {@code sample_rate} (16000), {@code frame_size} (400), {@code hop} (160), {@code max_frames} (64);</li>
 *   <li>{@code shuffle} (true), {@code drop_last} (false).</li>
 * </ul>
 */
public final class MmlmObjectiveFactory implements ObjectiveFactory {
    public static final String NAME = "mmlm";
    static final List<String> IMAGE_KEYS = List.of("image_size", "patch_size", "channels");
    static final List<String> AUDIO_KEYS = List.of("sample_rate", "frame_size", "hop", "max_frames");

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "masked multimodal LM: masked text with image patches or audio frames in one bidirectional encoder"; }

    @Override
    public Objective create(Config c, ObjectiveContext ctx) {
        String modality = c.getChoice("modality", "image", "image", "audio");
        double maskProb = c.getDouble("mask_prob", 0.15), maskRatio = c.getDouble("mask_token_ratio", 0.8);
        double randomRatio = c.getDouble("random_token_ratio", 0.1);
        double featureMask = c.getDouble("feature_mask_prob", 0.0), featureWeight = c.getDouble("feature_loss_weight", 1.0);
        int imageSize = c.getInt("image_size", 32), patch = c.getInt("patch_size", 8);
        String channels = c.getChoice("channels", "rgb", "rgb", "gray");
        int rate = c.getInt("sample_rate", 16000), frame = c.getInt("frame_size", 400), hop = c.getInt("hop", 160);
        int maxFrames = c.getInt("max_frames", 64);
        boolean shuffle = c.getBoolean("shuffle", true), dropLast = c.getBoolean("drop_last", false);
        c.finish();
        for (String k : modality.equals("image") ? AUDIO_KEYS : IMAGE_KEYS)
            if (c.raw().containsKey(k)) throw c.error(k, "only applies to modality " + (modality.equals("image") ? "audio" : "image") + " (modality is " + modality + ")");
        if (!(maskProb > 0 && maskProb <= 1)) throw c.error("mask_prob", "must be in (0, 1], got " + maskProb);
        if (!(maskRatio >= 0 && randomRatio >= 0 && maskRatio + randomRatio <= 1))
            throw c.error("mask_token_ratio", "and random_token_ratio must be >= 0 with a sum <= 1, got " + maskRatio + " + " + randomRatio);
        if (!(featureMask >= 0 && featureMask < 1)) throw c.error("feature_mask_prob", "must be in [0, 1), got " + featureMask);
        if (!(featureWeight >= 0)) throw c.error("feature_loss_weight", "must be >= 0, got " + featureWeight);
        FeatureSource source;
        if (modality.equals("image")) {
            if (imageSize <= 0 || patch <= 0 || imageSize % patch != 0)
                throw c.error("image_size", "must be a positive multiple of patch_size (" + patch + "), got " + imageSize);
            source = FeatureSource.images(new ImagePatches(imageSize, patch, channels.equals("gray")));
        } else {
            if (frame <= 0) throw c.error("frame_size", "must be positive, got " + frame);
            if (hop <= 0) throw c.error("hop", "must be positive, got " + hop);
            if (maxFrames <= 0) throw c.error("max_frames", "must be positive, got " + maxFrames);
            if (rate <= 0) throw c.error("sample_rate", "must be positive, got " + rate);
            source = FeatureSource.audio(new AudioFrames(frame, hop, maxFrames, rate));
        }
        Tokenizer tok = ctx.tokenizer();
        if (tok == null) throw new IllegalArgumentException(c.section() + ": needs a tokenizer");
        if (ctx.model() == null) throw new IllegalArgumentException(c.section() + ": needs the model's shape to build its projection");
        tok.requireSpecial(Tokenizer.MASK);
        var settings = new MmlmObjective.Settings(modality, maskProb, maskRatio, randomRatio, featureMask, featureWeight, shuffle, dropLast);
        return new MmlmObjective(tok, ctx.model(), settings, source, ctx.backend(), ctx.seed());
    }
}
