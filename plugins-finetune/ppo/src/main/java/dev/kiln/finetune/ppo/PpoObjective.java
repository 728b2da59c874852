package dev.kiln.finetune.ppo;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.completion.CompletionLogProbs;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ModelChecks;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.objective.StepWorkers;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.rl.Gae;
import dev.kiln.api.rl.PolicyLoss;
import dev.kiln.api.rl.PromptBatches;
import dev.kiln.api.rl.RepeatedBatches;
import dev.kiln.api.rl.Rollout;
import dev.kiln.api.rl.TokenEntropy;
import dev.kiln.api.rl.ValueLoss;
import dev.kiln.api.rl.WeightedRewards;
import dev.kiln.api.sampling.PolicySampler;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PPO for language models (TRL's experimental PPOTrainer) with a value model of its own
 * ({@link ValueModel}) or a value head on the policy's backbone ({@link ValueHead}): a rollout samples one completion per prompt, scores it with the
 * reward functions, and takes, without the tape, the policy's and the reference's per-token
 * log-probabilities and the values. Per-token rewards are −kl_coef·(logp − ref) (k1), plus the score on
 * the completion's last token; GAE (γ, λ) gives advantages (whitened) and returns. The loss is the
 * clipped surrogate (token mean over the batch) + vf_coef · the clipped value loss.
 *
 * <p><b>PPO epochs.</b> Kiln's trainer takes one optimizer step per batch, so each prompt batch is
 * handed out {@code num_ppo_epochs} times in a row ({@code ppo_epoch} 0, 1, ...): epoch 0 samples a
 * new rollout, the others train on the kept one (logp_old and V_old from rollout time, so the ratio
 * and the value clip bite). A run resumed in the middle of a batch's epochs samples afresh.
 *
 * <p>Metrics (TRL's names): {@code objective/scores}, {@code objective/kl} (summed per completion,
 * mean), {@code objective/non_score_reward}, {@code objective/rlhf_reward}, {@code objective/entropy},
 * {@code objective/kl_coef}, {@code policy/approxkl_avg}, {@code policy/clipfrac_avg},
 * {@code loss/policy_avg}, {@code loss/value_avg}, {@code val/clipfrac_avg}, {@code val/num_eos_tokens},
 * {@code rewards/<name>/mean}, {@code loss}, and {@link Rollout#completionMetrics}.
 */
final class PpoObjective implements Objective {
    /** The batch key of a prompt batch's PPO epoch. */
    static final String EPOCH = "ppo_epoch";
    private final PpoSettings settings;
    private final Tokenizer tokenizer;
    private final PromptBatches prompts;
    private final PolicySampler sampler;
    private final Critic critic;
    private final int eos;
    private volatile ReferencePolicy reference;
    private Kept trainKept, evalKept;

    /** A rollout kept for the batch's later PPO epochs. */
    private record Kept(long seed, Rollout rollout, float[] old, float[] oldValues, float[] advantages, float[] returns, Map<String, Double> stats) {}

    PpoObjective(PpoSettings settings, Tokenizer tokenizer, Critic critic) {
        this.settings = settings;
        this.tokenizer = tokenizer;
        this.prompts = new PromptBatches(settings.format(), tokenizer, settings.maxPromptLength());
        this.eos = tokenizer.special(Tokenizer.EOS).orElse(-1);
        this.sampler = new PolicySampler(new PolicySampler.Settings(settings.temperature() <= 1e-4, settings.temperature(), settings.topK(),
                settings.topP(), settings.responseLength()), eos < 0 ? new int[0] : new int[] {eos}, tokenizer.vocabSize());
        this.critic = critic;
    }

    @Override
    public String name() { return PpoFineTunerFactory.NAME; }

    PpoSettings settings() { return settings; }

    @Override
    public Module head() { return critic; }

    /** The value model's parameters: loaded from value_model and kept in checkpoints, not saved with the policy. */
    @Override
    public java.util.Set<String> companionParameters() {
        return critic instanceof ValueModel ? critic.namedParameters().keySet() : java.util.Set.of();
    }

    @Override
    public boolean needsReference() { return true; }

    @Override
    public void useReference(ReferencePolicy reference) { this.reference = reference; }

    @Override
    public void checkModel(TransformerConfig m) {
        ModelChecks.causalPolicy(name(), m, tokenizer);
    }

    /** Each prompt batch num_ppo_epochs times in a row, tagged {@code ppo_epoch} [1]. */
    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        return RepeatedBatches.repeat(prompts.batches(data, spec.batchSize(), settings.shuffle(), seed), settings.numPpoEpochs(), EPOCH);
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        PromptBatches.Prompts p = PromptBatches.prompts(batch);
        boolean training = net.isTraining();
        Kept kept = training ? trainKept : evalKept;
        if (RepeatedBatches.index(batch, EPOCH) == 0 || kept == null || kept.seed() != p.seed()) {
            kept = rollout(net, p);
            if (training) trainKept = kept;
            else evalKept = kept;
        }
        Rollout r = kept.rollout();
        Tensor hidden = net.forward(ModelInput.of(r.ids()).withAttentionMask(r.attentionMask()));     // [N, L, C]
        Tensor logits = scaled(net.logits(hidden));                                                   // [N, L, V]
        CompletionLogProbs.Tokens lp = CompletionLogProbs.tokens(logits, r.ids(), r.trained());
        Tensor values = critic.values(hidden, r);                                                     // [N, L]
        PolicyLoss.Result pg = PolicyLoss.compute(lp.logps(), lp.mask(), kept.old(), kept.advantages(), null, 0, settings.cliprange(),
                settings.cliprange(), PolicyLoss.Type.DAPO, settings.responseLength());
        ValueLoss.Result vf = ValueLoss.compute(values, lp.mask(), kept.oldValues(), kept.returns(), settings.cliprangeValue());
        Tensor loss = Arithmetic.add(pg.loss(), Arithmetic.mulScalar(vf.loss(), (float) settings.vfCoef()));   // [1]
        Map<String, Double> m = new LinkedHashMap<>(kept.stats());
        m.put("loss", (double) loss.item());
        m.put("loss/policy_avg", (double) pg.loss().item());
        m.put("loss/value_avg", (double) vf.loss().item());
        m.put("policy/clipfrac_avg", pg.regionClipped());
        m.put("val/clipfrac_avg", vf.clipped());
        m.put("policy/approxkl_avg", approxKl(lp.logps().toArray(), kept.old(), lp.mask()));
        m.put("policy/entropy_avg", TokenEntropy.mean(logits.toArray(), lp.mask(), logits.dim(2)));
        return new Output(loss, m, r.size());
    }

    /** Samples, scores and evaluates one rollout without the tape; per-token rewards, GAE, statistics. */
    private Kept rollout(Transformer net, PromptBatches.Prompts p) {
        Rollout r = Rollout.sample(sampler, net, tokenizer, p.ids(), p.positions(), 1, p.seed(), eos);
        WeightedRewards.Scores scores = settings.rewards().score(r.completions());
        float[] old, oldValues, mask, entropyLogits;
        int v;
        boolean wasTraining = net.isTraining();
        net.train(false);
        try (var g = GradMode.noGrad()) {
            Tensor hidden = net.forward(ModelInput.of(r.ids()).withAttentionMask(r.attentionMask()));
            Tensor logits = scaled(net.logits(hidden));
            CompletionLogProbs.Tokens lp = CompletionLogProbs.tokens(logits, r.ids(), r.trained());
            old = lp.logps().toArray();
            mask = lp.mask();
            critic.train(false);
            oldValues = critic.values(hidden, r).toArray();
            entropyLogits = logits.toArray();
            v = logits.dim(2);
        } finally {
            net.train(wasTraining);
            critic.train(wasTraining);
        }
        float[] ref = requireReference().apply(m -> CompletionLogProbs.tokens(scaled(m.logits(m.forward(ModelInput.of(r.ids())
                .withAttentionMask(r.attentionMask())))), r.ids(), r.trained()).logps().toArray());
        int n = r.size(), l = mask.length / n;
        double coef = settings.kl().value();
        float[] rewards = new float[mask.length];
        double klSum = 0, nonScore = 0, score = 0;
        for (int i = 0; i < n; i++) {
            int last = -1;
            for (int t = 0; t < l; t++) {
                int k = i * l + t;
                if (mask[k] == 0) continue;
                double kl = old[k] - ref[k];                                       // k1
                rewards[k] = (float) (-coef * kl);
                klSum += kl;
                nonScore += rewards[k];
                last = k;
            }
            score += scores.total()[i];
            if (last >= 0) rewards[last] += (float) scores.total()[i];
        }
        if (settings.whitenRewards()) rewards = Gae.whiten(rewards, mask, false);
        Gae.Result gae = Gae.compute(rewards, oldValues, mask, n, settings.gamma(), settings.lam());
        float[] advantages = Gae.whiten(gae.advantages(), mask, true);
        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("objective/scores", score / n);
        stats.put("objective/kl", klSum / n);
        stats.put("objective/non_score_reward", nonScore / n);
        stats.put("objective/rlhf_reward", (score + nonScore) / n);
        stats.put("objective/entropy", TokenEntropy.mean(entropyLogits, mask, v));
        stats.put("objective/kl_coef", coef);
        stats.putAll(settings.rewards().metrics(scores));
        long eosCount = 0;
        for (boolean f : r.finished()) if (f) eosCount++;
        stats.put("val/num_eos_tokens", (double) eosCount);
        stats.putAll(r.completionMetrics());
        if (net.isTraining()) {       // the adaptive controller sees the whole global batch's KL, so every worker keeps one coefficient
            double kl = klSum;
            int rollouts = n;
            if (StepWorkers.count() > 1) {
                float[] sums = {(float) klSum, n};
                StepWorkers.sum(sums);
                kl = sums[0];
                rollouts = (int) sums[1];
            }
            settings.kl().update(kl / rollouts, rollouts);
        }
        return new Kept(p.seed(), r, old, oldValues, advantages, gae.returns(), stats);
    }

    private Tensor scaled(Tensor logits) {
        return settings.temperature() == 1.0 ? logits : Arithmetic.mulScalar(logits, (float) (1.0 / settings.temperature()));
    }

    /** 0.5 · mean over completion tokens of (logp − logp_old)² (TRL's policy/approxkl_avg). */
    static double approxKl(float[] logps, float[] old, float[] mask) {
        double s = 0;
        long k = 0;
        for (int i = 0; i < mask.length; i++) if (mask[i] != 0) { s += (logps[i] - old[i]) * (logps[i] - old[i]); k++; }
        return k == 0 ? 0 : 0.5 * s / k;
    }

    private ReferencePolicy requireReference() {
        if (reference == null)
            throw new IllegalStateException("finetune signal 'ppo' has no reference policy: the pipeline provides one (Objective.useReference)");
        return reference;
    }

    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kl_coef", settings.kl().value());
        m.put("rewards", settings.rewards().names());
        m.put("value_model", settings.valueModel() == null ? "head on the policy" : settings.valueModel().toString());
        m.put("prompt_field", settings.format().promptField());
        m.put("chat_template", settings.format().chatTemplateValue());
        return m;
    }

    @Override
    public String toString() {
        return "ppo(num_ppo_epochs=" + settings.numPpoEpochs() + ", kl_coef=" + settings.kl().value() + (settings.kl().isAdaptive() ? " (adaptive)" : "")
                + ", rewards=" + settings.rewards().names()
                + (settings.valueModel() == null ? "" : ", value_model=" + settings.valueModel())
                + (reference == null ? "" : ", reference=" + reference.describe()) + ")";
    }
}
