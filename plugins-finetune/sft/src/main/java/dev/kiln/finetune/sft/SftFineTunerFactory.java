package dev.kiln.finetune.sft;

import dev.kiln.api.completion.CompletionRows;
import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;

import java.util.List;

/**
 * Supervised fine-tuning ("sft", role SIGNAL): sequence classification or regression with a
 * pooled linear head ({@link SequenceClassificationObjective}), or instruction / completion tuning
 * of a causal model through its LM head ({@link InstructionObjective}, TRL's SFTTrainer).
 *
 * <p>Config keys (strict; a key of the other kind of task is an error):
 * <ul>
 *   <li>{@code task} (default {@code classification}): or {@code regression} (one output, MSE on
 *       numeric labels) or {@code instruction};</li>
 *   <li>{@code shuffle} (default true): shuffle examples (packed: windows of examples, see
 *       {@link PackedEpoch}) with the epoch seed.</li>
 * </ul>
 * Classification and regression:
 * <ul>
 *   <li>{@code pooler} (default {@code mean}): {@code first}, {@code mean} (non-padding tokens),
 *       {@code last} (last non-padding token) or {@code bert} (BERT's pooler: the first token through a
 *       dense layer and tanh, as {@code BertForSequenceClassification}, whose weights a checkpoint's
 *       {@code pooler} fills);</li>
 *   <li>{@code labels} (default none): label names in class-id order; without it integer labels
 *       are ids and names get ids in order of first appearance;</li>
 *   <li>{@code num_labels} (default: the size of {@code labels}, else 2; 1 for regression);</li>
 *   <li>{@code text_field} / {@code text_pair_field} / {@code label_field} (defaults {@code text},
 *       {@code text_pair}, {@code label}): the Example fields read.</li>
 * </ul>
 * Instruction (rows are prompt / completion pairs or conversations, see {@link CompletionRows}):
 * <ul>
 *   <li>{@code prompt_field} / {@code completion_field} / {@code messages_field} (defaults
 *       {@code prompt}, {@code completion}, {@code messages});</li>
 *   <li>{@code chat_template} (default: {@code model} when the model in finetune.from has its own
 *       chat template, else {@code chatml}): {@code model} (its Jinja template, {@link dev.kiln.api.completion.TemplateTurns}),
 *       the name {@code chatml} or a map of role formats ({@link dev.kiln.api.completion.RoleTemplate}); kept in the saved
 *       model's config.json ({@link InstructionObjective#metadata()});</li>
 *   <li>{@code completion_only_loss} (default true, TRL's name and default): prompt tokens are
 *       context only (target IGNORE); false trains the whole prompt / completion row;</li>
 *   <li>{@code assistant_only_loss} (default true; TRL's default is false because it needs
 *       generation tags in a Jinja template): in {@code messages} rows only assistant turns
 *       train; false trains the whole conversation;</li>
 *   <li>{@code add_eos} (default true): end a text completion with the tokenizer's EOS (trained)
 *       when it has one; conversations end with the template's end marker instead;</li>
 *   <li>{@code packing} (default false, TRL's name): several examples per row, attention and
 *       targets kept within each ({@link InstructionBatches}); each batch packs its own window of
 *       examples ({@link PackedEpoch}).</li>
 * </ul>
 */
public final class SftFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "sft";

    /** The keys that only classification and regression read. */
    static final List<String> CLASSIFICATION_KEYS = List.of("pooler", "labels", "num_labels", "text_field", "text_pair_field", "label_field");

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "supervised fine-tuning: sequence classification / regression with a pooled linear head, or instruction / completion tuning";
    }

    @Override
    public Role role() { return Role.SIGNAL; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return new SftFineTuner(objective(config, context));
    }

    /**
     * The objective alone (what {@code signal()} returns), from the same strict config: a
     * {@link SequenceClassificationObjective} or, for {@code task: instruction}, an
     * {@link InstructionObjective}.
     */
    public Objective objective(Config config, ObjectiveContext context) {
        String task = config.getChoice("task", "classification", "classification", "regression", "instruction");
        boolean shuffle = config.getBoolean("shuffle", true);
        boolean instruction = task.equals("instruction");
        List<String> given = new java.util.ArrayList<>();
        for (String key : instruction ? CLASSIFICATION_KEYS : InstructionSettings.KEYS) if (config.has(key)) given.add(key);
        for (String key : instruction ? InstructionSettings.KEYS : CLASSIFICATION_KEYS) config.has(key);
        config.finish();
        if (!given.isEmpty())
            throw config.error(given.get(0), "does not apply to task '" + task + "' (keys of task '" + task + "': "
                    + String.join(", ", instruction ? InstructionSettings.KEYS : CLASSIFICATION_KEYS) + ")");
        if (context == null || context.tokenizer() == null)
            throw new IllegalArgumentException("finetune signal 'sft' needs the tokenizer");
        if (instruction) return new InstructionObjective(InstructionSettings.fromConfig(config, shuffle, context.chatTemplate()), context.tokenizer(), context.model(),
                context.seed());
        return classification(config, context, task, shuffle);
    }

    private static SequenceClassificationObjective classification(Config config, ObjectiveContext context, String task, boolean shuffle) {
        String pooler = config.getChoice("pooler", "mean", "first", "mean", "last", "bert");
        List<String> labels = config.getList("labels", List.of());
        boolean hasNum = config.has("num_labels");
        int numLabels = config.getInt("num_labels", task.equals("regression") ? 1 : labels.isEmpty() ? 2 : labels.size());
        String text = config.getString("text_field", "text"), pair = config.getString("text_pair_field", "text_pair");
        String label = config.getString("label_field", "label");
        if (task.equals("regression")) {
            if (numLabels != 1) throw config.error("num_labels", "must be 1 for task 'regression', got " + numLabels);
            if (!labels.isEmpty()) throw config.error("labels", "does not apply to task 'regression'");
        } else {
            if (numLabels < 2) throw config.error("num_labels", "must be >= 2 for classification, got " + numLabels);
            if (hasNum && !labels.isEmpty() && numLabels != labels.size())
                throw config.error("num_labels", "is " + numLabels + " but labels lists " + labels.size() + " names");
            if (labels.stream().distinct().count() != labels.size()) throw config.error("labels", "has duplicates: " + labels);
        }
        if (context.model() == null || context.backend() == null)
            throw new IllegalArgumentException("finetune signal 'sft' needs the model shape, tokenizer and backend to build its head");
        TransformerConfig model = context.model();
        SftSettings s = new SftSettings(task, pooler, numLabels, labels, text, pair, label, shuffle);
        ClassificationHead head = new ClassificationHead(context.backend(), model.dModel(), numLabels, model.initStd(), context.seed() * 31 + 7,
                pooler.equals("bert"));
        return new SequenceClassificationObjective(s, context.tokenizer(), model, head);
    }
}
