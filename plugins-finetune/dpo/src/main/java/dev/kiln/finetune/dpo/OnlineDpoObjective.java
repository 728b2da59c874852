package dev.kiln.finetune.dpo;

import dev.kiln.api.completion.CompletionLogProbs;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ModelChecks;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.rl.OnlineSettings;
import dev.kiln.api.rl.PromptBatches;
import dev.kiln.api.rl.Rollout;
import dev.kiln.api.rl.WeightedRewards;
import dev.kiln.api.sampling.PolicySampler;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Online DPO (TRL's OnlineDPOTrainer): each batch holds P prompts; {@link #compute} samples two completions of
 * each with the policy itself (KV-cached, no tape), scores them with the reward functions (a reward model, a
 * classifier, any reward plugin), and trains on the DPO loss of the pairs ({@link OnlinePairLoss}) against the
 * reference, so the preference pairs always come from the current policy, step after step.
 *
 * <p>Metrics (TRL's names): {@code objective/scores} (mean reward of the samples), {@code objective/kl} (Σ log π −
 * log π_ref per completion, mean), {@code rewards/chosen}, {@code rewards/rejected} (β · log-ratio),
 * {@code rewards/accuracies}, {@code rewards/margins}, {@code logps/chosen}, {@code logps/rejected},
 * {@code val/contain_eos_token}, {@code completions/*} (as grpo's), {@code tied_fraction} (pairs left out),
 * {@code rewards/<name>/mean}, {@code reward} (= objective/scores), {@code loss}.
 */
final class OnlineDpoObjective implements Objective {
    private final OnlineSettings settings;
    private final LossType lossType;
    private final Tokenizer tokenizer;
    private final PromptBatches prompts;
    private final PolicySampler sampler;
    private final int eos;
    private volatile ReferencePolicy reference;

    OnlineDpoObjective(OnlineSettings settings, LossType lossType, Tokenizer tokenizer) {
        this.settings = settings;
        this.lossType = lossType;
        this.tokenizer = tokenizer;
        this.prompts = new PromptBatches(settings.format(), tokenizer, settings.maxPromptLength());
        this.eos = tokenizer.special(Tokenizer.EOS).orElse(-1);
        this.sampler = settings.sampler(eos, tokenizer.vocabSize());
    }

    @Override
    public String name() { return OnlineDpoFineTunerFactory.NAME; }

    @Override
    public boolean needsReference() { return true; }

    @Override
    public void useReference(ReferencePolicy reference) { this.reference = reference; }

    @Override
    public void checkModel(TransformerConfig m) {
        ModelChecks.causalPolicy(name(), m, tokenizer);
    }

    /** train.batch_size counts prompts; each prompt gives one pair. */
    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        return prompts.batches(data, spec.batchSize(), settings.shuffle(), seed);
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        PromptBatches.Prompts p = PromptBatches.prompts(batch);
        Rollout r = Rollout.sample(sampler, net, tokenizer, p.ids(), p.positions(), 2, p.seed(), eos);
        WeightedRewards.Scores scores = settings.rewards().score(r.completions());
        double temperature = settings.temperature();
        CompletionLogProbs.Result policy = CompletionLogProbs.of(r.scaledLogits(net, temperature), r.ids(), r.trained());   // [2P] on the tape
        float[] ref = requireReference().apply(m -> {
            CompletionLogProbs.Result lp = CompletionLogProbs.of(r.scaledLogits(m, temperature), r.ids(), r.trained());
            return (lossType == LossType.IPO ? lp.averages() : lp.sums()).toArray();
        });
        Tensor logps = lossType == LossType.IPO ? policy.averages() : policy.sums();                               // [2P]
        Tensor ratios = Arithmetic.sub(logps, Tensor.of(logps.backend(), ref, ref.length));                         // [2P]
        OnlinePairLoss.Result pairs = OnlinePairLoss.compute(ratios, scores.total(), settings.beta(), lossType);
        return new Output(pairs.loss(), metrics(pairs, scores, r, logps.toArray(), ratios.toArray(), policy.counts()), p.ids().length);
    }

    private Map<String, Double> metrics(OnlinePairLoss.Result pairs, WeightedRewards.Scores scores, Rollout r, float[] logps, float[] ratios,
                                        int[] counts) {
        double beta = settings.beta(), chosen = 0, rejected = 0, chosenLogp = 0, rejectedLogp = 0, correct = 0, margin = 0;
        int n = pairs.untied();
        for (int p = 0; p < pairs.chosen().length; p++) {
            int c = pairs.chosen()[p];
            if (c < 0) continue;
            int rj = c ^ 1;                                                              // the other row of the pair
            chosen += beta * ratios[c] / n;
            rejected += beta * ratios[rj] / n;
            chosenLogp += logps[c] / n;
            rejectedLogp += logps[rj] / n;
            if (pairs.margins()[p] > 0) correct += 1.0 / n;
            margin += beta * pairs.margins()[p] / n;
        }
        double[] total = scores.total();
        double mean = 0, kl = 0;
        for (int i = 0; i < total.length; i++) {
            mean += total[i] / total.length;
            kl += (lossType == LossType.IPO ? ratios[i] * counts[i] : ratios[i]) / total.length;   // Σ log π − log π_ref per completion
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", (double) pairs.loss().item());
        m.put("reward", mean);
        m.put("objective/scores", mean);
        m.put("objective/kl", kl);
        m.putAll(settings.rewards().metrics(scores));
        if (n > 0) {
            m.put("rewards/chosen", chosen);
            m.put("rewards/rejected", rejected);
            m.put("rewards/accuracies", correct);
            m.put("rewards/margins", margin);
            m.put("logps/chosen", chosenLogp);
            m.put("logps/rejected", rejectedLogp);
        }
        m.put("tied_fraction", 1.0 - n / (double) pairs.chosen().length);
        Map<String, Double> lengths = r.completionMetrics();
        m.put("val/contain_eos_token", 1 - lengths.get("completions/clipped_ratio"));
        m.putAll(lengths);
        m.put("beta", beta);
        return m;
    }

    private ReferencePolicy requireReference() {
        if (reference == null)
            throw new IllegalStateException("finetune signal 'online_dpo' has no reference policy: the pipeline provides one (Objective.useReference)");
        return reference;
    }

    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("beta", settings.beta());
        m.put("loss_type", lossType.key());
        m.put("rewards", settings.rewards().names());
        m.put("prompt_field", settings.format().promptField());
        m.put("chat_template", settings.format().chatTemplateValue());
        return m;
    }

    @Override
    public String toString() {
        return "online_dpo(beta=" + settings.beta() + ", loss_type=" + lossType.key() + ", rewards=" + settings.rewards().names()
                + (reference == null ? "" : ", reference=" + reference.describe()) + ")";
    }
}
