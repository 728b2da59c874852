package dev.kiln.finetune.kto;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.completion.CompletionLogProbs;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.objective.ModelChecks;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kahneman–Tversky optimization (TRL's KTOTrainer) through the backbone's LM head, on unpaired
 * examples ({@link UnpairedExamples}: B examples and their B mismatched KL rows in one [2B, L]
 * batch). The policy's log-probabilities of the examples' completions are summed over completion
 * tokens ({@link CompletionLogProbs}) on the tape; the KL rows' run without it (TRL's
 * {@code torch.no_grad()}), the reference's in one [2B] forward without it ({@link ReferencePolicy});
 * the loss is {@link KtoLoss}. {@code apo_zero_unpaired} needs no KL rows: they are not forwarded.
 *
 * <p><b>Metrics</b>: {@link KtoMetrics} (TRL's names); {@link Output#weight()} is the number of examples.
 */
final class KtoObjective implements Objective {
    private final KtoSettings settings;
    private final Tokenizer tokenizer;
    private final UnpairedExamples examples;
    private volatile ReferencePolicy reference;

    KtoObjective(KtoSettings settings, Tokenizer tokenizer) {
        this.settings = settings;
        this.tokenizer = tokenizer;
        this.examples = new UnpairedExamples(settings, tokenizer);
    }

    @Override
    public String name() { return KtoFineTunerFactory.NAME; }

    KtoSettings settings() { return settings; }

    @Override
    public boolean needsReference() { return true; }

    @Override
    public void useReference(ReferencePolicy reference) { this.reference = reference; }

    @Override
    public void checkModel(TransformerConfig m) {
        ModelChecks.requireCausal("finetune signal 'kto'", m);
        ModelChecks.requireVocabulary("finetune signal 'kto'", m, tokenizer);
    }

    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        if (settings.usesKl() && spec.batchSize() < 2)
            throw new IllegalArgumentException("finetune signal 'kto': train.batch_size must be at least 2 (got " + spec.batchSize()
                    + "): the KL estimate pairs each prompt with another example's completion in the batch (TRL refuses 1 too)");
        int width = spec.seqLen();
        ExampleBatches.Maker maker = (rows, indices, rng) -> {
            List<UnpairedExamples.Encoded> batch = new ArrayList<>(rows.size());
            for (Example ex : rows) batch.add(examples.encode(ex, width));
            return examples.batch(batch, width);
        };
        if (!spec.groupByLength()) return ExampleBatches.of(data, spec.batchSize(), settings.shuffle(), false, seed, maker);
        return ExampleBatches.lengthGrouped(data, spec.batchSize(), false, seed, ex -> examples.encode(ex, width).tokens().length(), maker);
    }

    private ReferencePolicy requireReference() {
        if (reference == null)
            throw new IllegalStateException("finetune signal 'kto' has no reference policy: the pipeline provides one (Objective.useReference)");
        return reference;
    }

    /** [N] host summed log-probs of rows [from, to) of the batch under a model. */
    private static float[] logps(Transformer m, Batch batch, int from, int to) {
        IntTensor ids = rows(batch.ints("ids"), from, to), trained = rows(batch.ints("trained"), from, to);
        Tensor logits = m.logits(m.forward(ModelInput.of(ids).withAttentionMask(rows(batch.ints("attention_mask"), from, to))));
        return CompletionLogProbs.of(logits, ids, trained).sums().toArray();
    }

    /**
     * B of a batch of B examples then their B KL rows, checked: a data-parallel worker's strided share keeps that
     * layout only when the worker count divides the batch size.
     */
    static int examples(IntTensor labels) {
        int n = labels.dim(0), b = n / 2;
        boolean ok = n % 2 == 0;
        for (int i = 0; ok && i < n; i++) ok = i < b ? labels.get(i) != UnpairedExamples.KL_ROW : labels.get(i) == UnpairedExamples.KL_ROW;
        if (!ok)
            throw new IllegalArgumentException("finetune signal 'kto': a batch must hold B examples and then their B KL rows, got labels "
                    + Arrays.toString(labels.data()) + " (data-parallel training needs train.batch_size to be a multiple of the worker count)");
        return b;
    }

    /** Rows [from, to) of an [N, L] int tensor. */
    static IntTensor rows(IntTensor t, int from, int to) {
        int l = t.dim(1);
        return new IntTensor(Arrays.copyOfRange(t.data(), from * l, to * l), to - from, l);
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        int b = examples(batch.ints("labels"));
        IntTensor ids = rows(batch.ints("ids"), 0, b), trained = rows(batch.ints("trained"), 0, b);                  // [B, L]
        Tensor logits = net.logits(net.forward(ModelInput.of(ids).withAttentionMask(rows(batch.ints("attention_mask"), 0, b))));   // [B, L, V]
        Tensor policy = CompletionLogProbs.of(logits, ids, trained).sums();                                           // [B]
        boolean kl = settings.usesKl();
        float[] ref = requireReference().apply(m -> logps(m, batch, 0, kl ? 2 * b : b));                             // [2B] or [B]
        float z = 0f;
        if (kl) {
            float[] policyKl;
            try (var g = GradMode.noGrad()) {
                policyKl = logps(net, batch, b, 2 * b);                                                              // [B]
            }
            z = KtoLoss.referencePoint(policyKl, Arrays.copyOfRange(ref, b, 2 * b));          // over every worker's KL rows
        }
        boolean[] desirable = new boolean[b];
        for (int i = 0; i < b; i++) desirable[i] = batch.ints("labels").get(i) != 0;
        KtoLoss.Result r = KtoLoss.compute(settings, policy, Arrays.copyOf(ref, b), desirable, z);
        Map<String, Double> metrics = KtoMetrics.batch(r.loss().item(), z, r.rewards(), policy.toArray(), KtoMetrics.meanLogits(logits, trained),
                desirable);
        return new Output(r.loss(), metrics, b);
    }

    @Override
    public Map<String, Double> finish(Map<String, Double> averaged) { return KtoMetrics.finish(averaged); }

    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("beta", settings.beta());
        m.put("loss_type", settings.lossType());
        m.put("desirable_weight", settings.desirableWeight());
        m.put("undesirable_weight", settings.undesirableWeight());
        m.put("prompt_field", settings.format().promptField());
        m.put("chat_template", settings.format().chatTemplateValue());
        return m;
    }

    @Override
    public String toString() {
        return "kto(beta=" + settings.beta() + ", loss_type=" + settings.lossType() + ", desirable_weight=" + settings.desirableWeight()
                + ", undesirable_weight=" + settings.undesirableWeight() + (reference == null ? "" : ", reference=" + reference.describe()) + ")";
    }
}
