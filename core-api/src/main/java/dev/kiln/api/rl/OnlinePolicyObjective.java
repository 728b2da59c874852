package dev.kiln.api.rl;

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
import dev.kiln.api.sampling.PolicySampler;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An online-RL signal (GRPO, RLOO): each batch holds P prompts ({@code {prompt}} rows, text or
 * messages rendered with the chat template and its generation prompt); {@link #compute} samples G
 * completions of each with the policy itself ({@link PolicySampler}: KV-cached, no tape, eval mode),
 * scores them ({@link WeightedRewards}), forms advantages ({@link Advantages}) and returns the clipped
 * policy-gradient loss ({@link PolicyLoss}) of one forward over the P·G rows with the tape.
 * The loss's log-probabilities divide the logits by the sampling temperature, as TRL does.
 *
 * <p>With {@code num_iterations} μ &gt; 1 each prompt batch is handed out μ times in a row
 * ({@link RepeatedBatches}): the first samples and scores the rollout, the others train on the kept one,
 * the ratio taken against the first step's log-probabilities (so the clip bites), as TRL's μ.
 *
 * <p>During evaluation (eval mode, no tape) the same runs, sampling with a seed fixed per batch, so
 * the held-out {@code reward} is the mean reward of sampled completions of the validation prompts.
 * {@link Output#weight()} is the number of completions.
 *
 * <p>Metrics (TRL's names): {@code reward}, {@code reward_std} (mean of the groups' standard
 * deviations), {@code frac_reward_zero_std}, {@code rewards/<name>/mean}, {@code rewards/<name>/std},
 * {@code kl} (β &gt; 0), {@code clip_ratio/low_mean}, {@code clip_ratio/high_mean},
 * {@code clip_ratio/region_mean}, {@code completions/mean_length}, {@code completions/min_length},
 * {@code completions/max_length}, {@code completions/clipped_ratio} (share cut at
 * max_completion_length), {@code entropy}, {@code loss}.
 */
public final class OnlinePolicyObjective implements Objective {
    private final OnlineSettings settings;
    private final Tokenizer tokenizer;
    private final PromptBatches prompts;
    private final PolicySampler sampler;
    private final int eos;
    private volatile ReferencePolicy reference;
    private Kept trainKept, evalKept;

    /** The batch key of a rollout's iteration (num_iterations > 1). */
    static final String ITERATION = "grpo_iteration";

    /**
     * A rollout with what its later iterations reuse.
     *
     * @param lossRef the reference's per-token log-probabilities for the loss's KL term (GRPO with β &gt; 0), else null
     */
    private record Kept(long seed, Rollout rollout, WeightedRewards.Scores scores, float[] old, float[] lossRef, double[] advantages,
                        double sequenceKl) {}

    public OnlinePolicyObjective(OnlineSettings settings, Tokenizer tokenizer) {
        this.settings = settings;
        this.tokenizer = tokenizer;
        this.prompts = new PromptBatches(settings.format(), tokenizer, settings.maxPromptLength());
        this.eos = tokenizer.special(Tokenizer.EOS).orElse(-1);
        this.sampler = settings.sampler(eos, tokenizer.vocabSize());
    }

    @Override
    public String name() { return settings.method(); }

    public OnlineSettings settings() { return settings; }

    @Override
    public boolean needsReference() { return settings.beta() > 0; }

    @Override
    public void useReference(ReferencePolicy reference) { this.reference = reference; }

    @Override
    public void checkModel(TransformerConfig m) {
        ModelChecks.causalPolicy(name(), m, tokenizer);
    }

    /** train.batch_size counts prompts; each batch also carries a sampling seed ({@link PromptBatches}). */
    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        return RepeatedBatches.repeat(prompts.batches(data, spec.batchSize(), settings.shuffle(), seed), settings.numIterations(), ITERATION);
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        PromptBatches.Prompts batchPrompts = PromptBatches.prompts(batch);
        boolean training = net.isTraining();
        Kept kept = training ? trainKept : evalKept;
        boolean fresh = RepeatedBatches.index(batch, ITERATION) == 0 || kept == null || kept.seed() != batchPrompts.seed();
        Rollout rollout = fresh ? Rollout.sample(sampler, net, tokenizer, batchPrompts.ids(), batchPrompts.positions(), settings.numGenerations(), batchPrompts.seed(), eos)
                : kept.rollout();
        Tensor logits = rollout.scaledLogits(net, settings.temperature());                  // [N, L, V]
        CompletionLogProbs.Tokens lp = CompletionLogProbs.tokens(logits, rollout.ids(), rollout.trained());
        if (fresh) {
            kept = score(batchPrompts.seed(), rollout, lp.logps().toArray(), lp.mask());    // logp_old: the detached logp of this first step
            if (training) trainKept = kept;
            else evalKept = kept;
        }
        PolicyLoss.Result r = PolicyLoss.compute(lp.logps(), lp.mask(), kept.old(), kept.advantages(), kept.lossRef(), settings.beta(),
                settings.epsilon(), settings.epsilonHigh(), settings.lossType(), settings.maxCompletionLength());
        Map<String, Double> m = metrics(r, kept.scores(), rollout, settings.numGenerations());
        if (!Double.isNaN(kept.sequenceKl())) m.put("kl", kept.sequenceKl());
        m.put("entropy", TokenEntropy.mean(logits.toArray(), lp.mask(), logits.dim(2)));
        return new Output(r.loss(), m, rollout.size());
    }

    /** Rewards, the reference's log-probabilities and the advantages of a new rollout. */
    private Kept score(long seed, Rollout rollout, float[] old, float[] mask) {
        int g = settings.numGenerations(), n = rollout.size();
        WeightedRewards.Scores scores = settings.rewards().score(rollout.completions());
        float[] ref = settings.beta() > 0 ? requireReference().apply(m ->
                CompletionLogProbs.tokens(rollout.scaledLogits(m, settings.temperature()), rollout.ids(), rollout.trained()).logps().toArray()) : null;
        double[] rewards = scores.total();
        if (settings.estimator() == OnlineSettings.Estimator.GROUP)
            return new Kept(seed, rollout, scores, old, ref, Advantages.grpo(rewards, g, settings.scale()), Double.NaN);
        double[] adjusted = rewards.clone();
        double sequenceKl = Double.NaN;
        if (ref != null) {                                                                  // RLOO: β·Σ_t (logp − ref) off the reward
            double[] kl = SequenceKl.sums(old, ref, mask, n);
            sequenceKl = 0;
            for (int i = 0; i < n; i++) {
                adjusted[i] -= settings.beta() * kl[i];
                sequenceKl += kl[i] / n;
            }
        }
        double[] advantages = Advantages.leaveOneOut(adjusted, g);
        if (settings.normalizeAdvantages()) advantages = Advantages.whiten(advantages);
        return new Kept(seed, rollout, scores, old, null, advantages, sequenceKl);
    }

    private Map<String, Double> metrics(PolicyLoss.Result r, WeightedRewards.Scores scores, Rollout rollout, int g) {
        double[] total = scores.total();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", (double) r.loss().item());
        m.put("reward", Advantages.mean(total, 0, total.length));
        m.put("reward_std", Advantages.meanGroupStd(total, g));
        m.put("frac_reward_zero_std", Advantages.fracZeroStd(total, g));
        m.putAll(settings.rewards().metrics(scores));
        if (!Double.isNaN(r.kl())) m.put("kl", r.kl());
        m.put("clip_ratio/low_mean", r.lowClipped());
        m.put("clip_ratio/high_mean", r.highClipped());
        m.put("clip_ratio/region_mean", r.regionClipped());
        m.putAll(rollout.completionMetrics());
        return m;
    }

    private ReferencePolicy requireReference() {
        if (reference == null)
            throw new IllegalStateException("finetune signal '" + name() + "' with beta > 0 has no reference policy: the pipeline provides one (Objective.useReference)");
        return reference;
    }

    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_generations", settings.numGenerations());
        m.put("beta", settings.beta());
        m.put("rewards", settings.rewards().names());
        m.put("prompt_field", settings.format().promptField());
        m.put("chat_template", settings.format().chatTemplateValue());
        return m;
    }

    @Override
    public String toString() {
        return name() + "(num_generations=" + settings.numGenerations() + ", beta=" + settings.beta() + ", rewards="
                + settings.rewards().names()
                + (reference == null ? "" : ", reference=" + reference.describe()) + ")";
    }
}
