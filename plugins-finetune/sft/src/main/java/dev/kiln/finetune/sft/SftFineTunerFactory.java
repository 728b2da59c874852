package dev.kiln.finetune.sft;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;

import java.util.List;

/**
 * Supervised fine-tuning ("sft", role SIGNAL): sequence classification or regression with a
 * pooled linear head. Instruction / completion tuning is not implemented yet.
 *
 * <p>Config keys (strict):
 * <ul>
 *   <li>{@code task} (default {@code classification}): or {@code regression} (one output, MSE on
 *       numeric labels);</li>
 *   <li>{@code pooler} (default {@code mean}): {@code first}, {@code mean} (non-padding tokens) or
 *       {@code last} (last non-padding token);</li>
 *   <li>{@code labels} (default none): label names in class-id order; without it integer labels
 *       are ids and names get ids in order of first appearance;</li>
 *   <li>{@code num_labels} (default: the size of {@code labels}, else 2; 1 for regression);</li>
 *   <li>{@code text_field} / {@code text_pair_field} / {@code label_field} (defaults {@code text},
 *       {@code text_pair}, {@code label}): the Example fields read;</li>
 *   <li>{@code shuffle} (default true): shuffle rows with the epoch seed.</li>
 * </ul>
 */
public final class SftFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "sft";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "supervised fine-tuning: sequence classification / regression with a pooled linear head"; }

    @Override
    public Role role() { return Role.SIGNAL; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return new SftFineTuner(objective(config, context));
    }

    /** The objective alone (what {@code signal()} returns), from the same strict config. */
    public SequenceClassificationObjective objective(Config config, ObjectiveContext context) {
        String task = config.getChoice("task", "classification", "classification", "regression", "instruction");
        String pooler = config.getChoice("pooler", "mean", "first", "mean", "last");
        List<String> labels = config.getList("labels", List.of());
        boolean hasNum = config.has("num_labels");
        int numLabels = config.getInt("num_labels", task.equals("regression") ? 1 : labels.isEmpty() ? 2 : labels.size());
        String text = config.getString("text_field", "text"), pair = config.getString("text_pair_field", "text_pair");
        String label = config.getString("label_field", "label");
        boolean shuffle = config.getBoolean("shuffle", true);
        config.finish();
        if (task.equals("instruction"))
            throw config.error("task", "'instruction' (prompt/completion tuning) is not implemented yet; use classification or regression");
        if (task.equals("regression")) {
            if (numLabels != 1) throw config.error("num_labels", "must be 1 for task 'regression', got " + numLabels);
            if (!labels.isEmpty()) throw config.error("labels", "does not apply to task 'regression'");
        } else {
            if (numLabels < 2) throw config.error("num_labels", "must be >= 2 for classification, got " + numLabels);
            if (hasNum && !labels.isEmpty() && numLabels != labels.size())
                throw config.error("num_labels", "is " + numLabels + " but labels lists " + labels.size() + " names");
            if (labels.stream().distinct().count() != labels.size()) throw config.error("labels", "has duplicates: " + labels);
        }
        if (context == null || context.model() == null || context.tokenizer() == null || context.backend() == null)
            throw new IllegalArgumentException("finetune signal 'sft' needs the model shape, tokenizer and backend to build its head");
        TransformerConfig model = context.model();
        SftSettings s = new SftSettings(task, pooler, numLabels, labels, text, pair, label, shuffle);
        ClassificationHead head = new ClassificationHead(context.backend(), model.dModel(), numLabels, model.initStd(), context.seed() * 31 + 7);
        return new SequenceClassificationObjective(s, context.tokenizer(), model, head);
    }
}
