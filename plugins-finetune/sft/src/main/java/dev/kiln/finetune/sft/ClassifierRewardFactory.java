package dev.kiln.finetune.sft;

import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.reward.RewardFunctionFactory;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code classifier} reward function: a sequence classifier scores online-RL completions
 * ({@link ClassifierReward}), the classic "positive reviews" RLHF reward (TRL's sentiment examples
 * reward a classifier's POSITIVE logit). The directory is a model fine-tuned with
 * {@code signal: sft} (classification or regression; its head, pooler and labels come from its
 * config.json) or a Hugging Face {@code BertForSequenceClassification} (BERT's pooler,
 * {@code id2label}).
 *
 * <p>Options (strict): {@code path} (required; relative to the config file's folder),
 * {@code label} (required for classification: the class whose score is the reward, by name or
 * id; a regression head's one output needs none), {@code score} ({@code logit}, the default, as
 * TRL's {@code function_to_apply="none"}; {@code log_prob}; {@code prob}), {@code batch_size}
 * (16: completions per forward), {@code max_length} (the classifier's positions, at most 512:
 * tokens kept per text, the first ones).
 */
public final class ClassifierRewardFactory implements RewardFunctionFactory {
    public static final String NAME = "classifier";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "scores completions with a sequence classifier (an sft-trained model or a Hugging Face *ForSequenceClassification): one class's logit, log-prob or prob";
    }

    @Override
    public RewardFunction create(Config options, RewardContext context) {
        String raw = options.requireString("path");
        String labelOption = options.getString("label", null);
        String scoreName = options.getChoice("score", "logit", "logit", "log_prob", "prob");
        int batchSize = options.getInt("batch_size", 16);
        boolean hasMax = options.has("max_length");
        int maxLength = options.getInt("max_length", 512);
        options.finish();
        if (batchSize < 1) throw options.error("batch_size", "must be >= 1, got " + batchSize);
        if (maxLength < 1) throw options.error("max_length", "must be >= 1, got " + maxLength);
        Path dir = context.resolve(raw);
        RewardContext.SavedModel saved;
        try {
            saved = context.loadModel(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("reward function '" + NAME + "': cannot load the classifier in " + dir + ": " + e.getMessage(), e);
        }
        Map<String, Object> sft = sftMetadata(saved.config());
        Map<String, Tensor> heads = saved.heads();
        Tensor weight = heads.get(ClassificationHead.CLASSIFIER_WEIGHT);
        if (weight == null)
            throw options.error("path", dir + " has no classifier head '" + ClassificationHead.CLASSIFIER_WEIGHT + "' (saved heads: "
                    + new TreeSet<>(heads.keySet()) + "); train one with finetune.signal: {name: sft, task: classification}");
        boolean bertPooler = heads.containsKey(ClassificationHead.POOLER_WEIGHT);
        String pooler = sft.get("pooler") instanceof String p ? p : bertPooler ? "bert" : null;
        if (pooler == null) throw options.error("path", dir + ": config.json names no pooler (objectives.sft.pooler) and the head has none of its own");
        int dModel = saved.model().config().dModel();
        if (weight.dims().length != 2 || weight.dim(1) != dModel)
            throw options.error("path", dir + ": head '" + ClassificationHead.CLASSIFIER_WEIGHT + "' is " + weight.shape()
                    + ", expected [num_labels, " + dModel + "]");
        int k = weight.dim(0);
        ClassificationHead head = ClassificationHead.load(dir, heads, context.backend(), dModel, k, pooler.equals("bert"));
        boolean regression = "regression".equals(sft.get("task"));
        int label;
        if (regression) {
            if (labelOption != null) throw options.error("label", "does not apply: " + dir + " is a regression head (one output, the reward)");
            if (!scoreName.equals("logit")) throw options.error("score", "must be logit for a regression head (its one output), got " + scoreName);
            label = 0;
        } else {
            List<String> names = labelNames(sft, saved.config(), k);
            if (labelOption == null) throw options.error("label", "is required: the class whose score is the reward, one of " + names);
            label = labelId(labelOption, names, options);
        }
        var config = saved.model().config();
        int positions = config.positions().bounded() ? config.usablePositions() : Integer.MAX_VALUE;
        if (hasMax && maxLength > positions)
            throw options.error("max_length", "is " + maxLength + " but the classifier has " + positions + " positions");
        ClassifierReward.Score score = ClassifierReward.Score.valueOf(scoreName.toUpperCase(java.util.Locale.ROOT));
        return new ClassifierReward(saved.model(), saved.tokenizer(), head, pooler, label, score, batchSize, Math.min(maxLength, positions));
    }

    /** config.json's objectives.sft (what the sft objective saved), or empty for a Hugging Face classifier. */
    private static Map<String, Object> sftMetadata(Map<String, Object> config) {
        if (config != null && config.get("objectives") instanceof Map<?, ?> objectives && objectives.get(SftFineTunerFactory.NAME) instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked") Map<String, Object> sft = (Map<String, Object>) m;
            return sft;
        }
        return Map.of();
    }

    /** Class names by id: objectives.sft.labels, else Hugging Face's id2label, else the ids themselves. */
    static List<String> labelNames(Map<String, Object> sft, Map<String, Object> config, int k) {
        List<String> names = new ArrayList<>();
        if (sft.get("labels") instanceof List<?> l) for (Object o : l) names.add(String.valueOf(o));
        else if (config != null && config.get("id2label") instanceof Map<?, ?> m) {
            TreeMap<Integer, String> byId = new TreeMap<>();
            for (var e : m.entrySet()) byId.put(Integer.parseInt(String.valueOf(e.getKey())), String.valueOf(e.getValue()));
            names.addAll(byId.values());
        }
        if (names.size() != k) {
            names.clear();
            for (int i = 0; i < k; i++) names.add(Integer.toString(i));
        }
        return names;
    }

    /** A label by name, else by id. */
    private static int labelId(String label, List<String> names, Config options) {
        int byName = names.indexOf(label);
        if (byName >= 0) return byName;
        if (label.matches("\\d{1,9}") && Integer.parseInt(label) < names.size()) return Integer.parseInt(label);
        throw options.error("label", "'" + label + "' is not a class of the classifier; its labels by id: " + names);
    }
}
