package dev.kiln.finetune.dpo;

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
import dev.kiln.api.objective.StepWorkers;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Direct preference optimization (TRL's DPOTrainer) through the backbone's LM head: each batch of B
 * pairs is one [2B, L] forward ({@link PreferencePairs}); each row's log-probability is summed over
 * its completion tokens ({@link CompletionLogProbs}; per-token averaged when {@code ipo} is among
 * the loss types), the reference's likewise, without the tape ({@link ReferencePolicy}); the
 * weighted losses of {@link DpoLoss}, plus {@code rpo_alpha}·NLL(chosen), averaged over pairs.
 *
 * <p><b>Metrics</b>, TRL's names, each a mean over the batch's pairs: {@code rewards/chosen},
 * {@code rewards/rejected} (β·log-ratio), {@code rewards/accuracies} (share of pairs whose chosen
 * reward is higher), {@code rewards/margins}, {@code logps/chosen}, {@code logps/rejected},
 * {@code logits/chosen}, {@code logits/rejected} (the mean logit over the completion positions'
 * vocabulary), {@code nll_loss} with RPO or the sft type, and {@code loss}.
 * {@link Output#weight()} is the number of pairs, so evaluation averages over pairs.
 *
 * <p>{@code train.group_by_length} batches pairs of similar length together (the longer side counts).
 *
 * <p>With {@code precompute_ref_log_probs} the reference log-probabilities of every pair of a
 * dataset are computed once, when its batches are first asked for (before the first training step,
 * and before the first evaluation for data.validation), kept by token content, and read from the
 * batch ({@code ref_logps} [2B]); no reference forward runs per step.
 */
final class DpoObjective implements Objective {
    private final DpoSettings settings;
    private final Tokenizer tokenizer;
    private final PreferencePairs pairs;
    private final RunningMean bco = new RunningMean();
    private final Map<PreferencePairs.Key, float[]> precomputed = new ConcurrentHashMap<>();
    private final java.util.Set<Dataset> precomputedSets = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private volatile ReferencePolicy reference;

    DpoObjective(DpoSettings settings, Tokenizer tokenizer) {
        this.settings = settings;
        this.tokenizer = tokenizer;
        this.pairs = new PreferencePairs(settings, tokenizer);
    }

    @Override
    public String name() { return DpoFineTunerFactory.NAME; }

    DpoSettings settings() { return settings; }

    @Override
    public boolean needsReference() { return true; }

    @Override
    public void useReference(ReferencePolicy reference) { this.reference = reference; }

    @Override
    public void checkModel(TransformerConfig m) {
        ModelChecks.causalPolicy(name(), m, tokenizer);
    }

    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        int width = spec.seqLen();
        if (settings.precomputeRefLogProbs()) precompute(data, spec);
        ExampleBatches.Maker maker = (examples, indices, rng) -> {
            List<PreferencePairs.Pair> batch = new ArrayList<>(examples.size());
            for (Example ex : examples) batch.add(pairs.encode(ex, width));
            Batch out = pairs.batch(batch);
            if (settings.precomputeRefLogProbs()) {
                int b = batch.size();
                float[] ref = new float[2 * b];
                for (int i = 0; i < b; i++) {
                    float[] v = precomputed.get(batch.get(i).key());
                    if (v == null) throw new IllegalStateException(examples.get(i).source() + ": no precomputed reference log-probability");
                    ref[i] = v[0];
                    ref[b + i] = v[1];
                }
                out.put("ref_logps", ref, 2 * b);                                   // [2B] chosen, then rejected
            }
            return out;
        };
        if (!spec.groupByLength()) return ExampleBatches.of(data, spec.batchSize(), settings.shuffle(), false, seed, maker);
        return ExampleBatches.lengthGrouped(data, spec.batchSize(), false, seed, ex -> {      // a pair pads to its longer side
            PreferencePairs.Pair p = pairs.encode(ex, width);
            return Math.max(p.chosen().length(), p.rejected().length());
        }, maker);
    }

    /** The reference log-probabilities of every pair of {@code data} not yet known, in batches of the run's size. */
    private void precompute(Dataset data, BatchSpec spec) {
        if (precomputedSets.contains(data)) return;                              // a later epoch: every pair is known
        ReferencePolicy ref = requireReference();
        List<PreferencePairs.Pair> todo = new ArrayList<>();
        for (Example ex : data.examples()) {
            PreferencePairs.Pair p = pairs.encode(ex, spec.seqLen());
            if (!precomputed.containsKey(p.key())) todo.add(p);
        }
        for (int from = 0; from < todo.size(); from += spec.batchSize()) {
            List<PreferencePairs.Pair> chunk = todo.subList(from, Math.min(todo.size(), from + spec.batchSize()));
            float[] v = ref.apply(m -> logps(m, pairs.batch(chunk)));
            for (int i = 0; i < chunk.size(); i++) precomputed.put(chunk.get(i).key(), new float[] {v[i], v[chunk.size() + i]});
        }
        precomputedSets.add(data);
    }

    private ReferencePolicy requireReference() {
        if (reference == null)
            throw new IllegalStateException("finetune signal 'dpo' has no reference policy: the pipeline provides one (Objective.useReference)");
        return reference;
    }

    /** [2B] host log-probs (summed, or averaged for ipo) of a batch under a model; for the reference. */
    private float[] logps(Transformer m, Batch batch) {
        IntTensor ids = batch.ints("ids");
        Tensor logits = m.logits(m.forward(ModelInput.of(ids).withAttentionMask(batch.ints("attention_mask"))));
        CompletionLogProbs.Result r = CompletionLogProbs.of(logits, ids, batch.ints("trained"));
        return (settings.averagesLogProbs() ? r.averages() : r.sums()).toArray();
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        IntTensor ids = batch.ints("ids"), trained = batch.ints("trained");            // [2B, L] each
        int b = ids.dim(0) / 2;
        Tensor logits = net.logits(net.forward(ModelInput.of(ids).withAttentionMask(batch.ints("attention_mask"))));   // [2B, L, V]
        CompletionLogProbs.Result lp = CompletionLogProbs.of(logits, ids, trained);
        Tensor all = settings.averagesLogProbs() ? lp.averages() : lp.sums();             // [2B]
        Tensor chosen = Shapes.slice(all, 0, 0, b), rejected = Shapes.slice(all, 0, b, 2 * b);   // [B] each
        float[] ref = batch.floatInputs().containsKey("ref_logps") ? batch.floats("ref_logps").data()
                : requireReference().apply(m -> logps(m, batch));
        float[] refChosen = java.util.Arrays.copyOfRange(ref, 0, b), refRejected = java.util.Arrays.copyOfRange(ref, b, 2 * b);
        Tensor nll = settings.needsNll() ? chosenNll(lp, b) : null;                       // [1]
        DpoLoss.Result r = DpoLoss.compute(settings, chosen, rejected, refChosen, refRejected, nll, bco, net.isTraining());
        Tensor losses = r.losses();                                                       // [B]
        if (settings.rpoAlpha() != null) losses = Arithmetic.add(losses, Arithmetic.mulScalar(nll, settings.rpoAlpha().floatValue()));
        Tensor loss = Reductions.mean(losses);                                            // [1]
        return new Output(loss, metrics(loss, r, chosen.toArray(), rejected.toArray(), logits, trained, nll), b);
    }

    /**
     * [1] mean NLL over the chosen rows' completion tokens (TRL's nll_loss: a token mean over the batch). With
     * data-parallel workers, this worker's share of the whole global batch's token mean: its NLL sum over every
     * worker's tokens, times B / b, so that the trainer's average over workers weighted by their b pairs is that mean.
     */
    private static Tensor chosenNll(CompletionLogProbs.Result lp, int b) {
        long tokens = 0;
        for (int i = 0; i < b; i++) tokens += lp.counts()[i];
        float factor = -1f / Math.max(1, tokens);
        if (StepWorkers.count() > 1) {
            float[] tokensAndPairs = {tokens, b};
            StepWorkers.sum(tokensAndPairs);
            factor = (float) (-tokensAndPairs[1] / b / Math.max(1, tokensAndPairs[0]));
        }
        return Arithmetic.mulScalar(Reductions.sum(Shapes.slice(lp.sums(), 0, 0, b)), factor);
    }

    private Map<String, Double> metrics(Tensor loss, DpoLoss.Result r, float[] chosen, float[] rejected, Tensor logits, IntTensor trained, Tensor nll) {
        int b = chosen.length;
        double rc = 0, rr = 0, acc = 0, lc = 0, lr = 0;
        for (int i = 0; i < b; i++) {
            rc += r.chosenRewards()[i];
            rr += r.rejectedRewards()[i];
            if (r.chosenRewards()[i] > r.rejectedRewards()[i]) acc++;
            lc += chosen[i];
            lr += rejected[i];
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", (double) loss.item());
        m.put("rewards/chosen", rc / b);
        m.put("rewards/rejected", rr / b);
        m.put("rewards/accuracies", acc / b);
        m.put("rewards/margins", (rc - rr) / b);
        m.put("logps/chosen", lc / b);
        m.put("logps/rejected", lr / b);
        double[] meanLogits = meanLogits(logits, trained, b);
        m.put("logits/chosen", meanLogits[0]);
        m.put("logits/rejected", meanLogits[1]);
        if (nll != null) m.put("nll_loss", (double) nll.item());
        return m;
    }

    /** The mean logit (over the vocabulary and the positions that predict a completion token) of the chosen rows and of the rejected rows. */
    private static double[] meanLogits(Tensor logits, IntTensor trained, int b) {
        float[] perPosition;
        try (var g = GradMode.noGrad()) {
            perPosition = Reductions.mean(logits, -1, false).toArray();                  // [2B, L]
        }
        int l = trained.dim(1);
        double[] sum = new double[2];
        long[] count = new long[2];
        for (int row = 0; row < 2 * b; row++)
            for (int t = 0; t + 1 < l; t++)
                if (trained.data()[row * l + t + 1] != 0) {
                    sum[row < b ? 0 : 1] += perPosition[row * l + t];
                    count[row < b ? 0 : 1]++;
                }
        return new double[] {count[0] == 0 ? Double.NaN : sum[0] / count[0], count[1] == 0 ? Double.NaN : sum[1] / count[1]};
    }

    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("beta", settings.beta());
        List<String> types = new ArrayList<>();
        for (LossType t : settings.lossTypes()) types.add(t.key());
        m.put("loss_type", types);
        m.put("prompt_field", settings.format().promptField());
        m.put("chat_template", settings.format().chatTemplateValue());
        return m;
    }

    @Override
    public String toString() {
        return "dpo(beta=" + settings.beta() + ", loss_type=" + LossType.names(settings.lossTypes()) + ", precompute_ref_log_probs="
                + settings.precomputeRefLogProbs() + (reference == null ? "" : ", reference=" + reference.describe()) + ")";
    }
}
