package dev.kiln.finetune.reward;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ExampleBatches;
import dev.kiln.api.objective.ModelChecks;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reward modelling (TRL's RewardTrainer): each batch of B preference pairs is one [2B, L] forward
 * ({@link PreferenceSequences}); each sequence's reward is the {@code score} head on its last real
 * token ({@link SequenceRewards}); the loss is {@link RewardLoss}'s pairwise loss.
 *
 * <p><b>Metrics</b>, TRL's names, means over the batch's pairs: {@code loss}, {@code accuracy}
 * (share of pairs with r_chosen > r_rejected), {@code margin} (r_chosen − r_rejected),
 * {@code rewards/chosen}, {@code rewards/rejected}, and over all 2B rewards {@code min_reward},
 * {@code mean_reward}, {@code max_reward}. {@link Output#weight()} is the number of pairs.
 *
 * <p>Causal models (GPT-2, Llama shapes) are what transformers' reward models are; a bidirectional
 * encoder is accepted too: its last real token ([SEP] for BERT shapes) attends to the whole
 * sequence, so the score is as well defined (transformers' BERT classifier would pool [CLS]).
 */
final class RewardObjective implements Objective {
    private final RewardSettings settings;
    private final Tokenizer tokenizer;
    private final TransformerConfig model;
    private final RewardHead head;
    private final PreferenceSequences sequences;

    RewardObjective(RewardSettings settings, Tokenizer tokenizer, TransformerConfig model, RewardHead head) {
        this.settings = settings;
        this.tokenizer = tokenizer;
        this.model = model;
        this.head = head;
        this.sequences = new PreferenceSequences(settings, tokenizer);
    }

    @Override
    public String name() { return RewardFineTunerFactory.NAME; }

    @Override
    public Module head() { return head; }

    RewardHead rewardHead() { return head; }

    @Override
    public void checkModel(TransformerConfig m) {
        ModelChecks.requireVocabulary("finetune signal 'reward'", m, tokenizer);
        if (m.dModel() != model.dModel())
            throw new IllegalArgumentException("finetune signal 'reward': model.d_model = " + m.dModel() + " but the score head was built for " + model.dModel());
    }

    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        int width = spec.seqLen();
        ExampleBatches.Maker maker = (examples, indices, rng) -> {
            List<PreferenceSequences.Pair> batch = new ArrayList<>(examples.size());
            for (Example ex : examples) batch.add(sequences.encode(ex, width));
            return sequences.batch(batch);
        };
        if (!spec.groupByLength()) return ExampleBatches.of(data, spec.batchSize(), settings.shuffle(), false, seed, maker);
        return ExampleBatches.lengthGrouped(data, spec.batchSize(), false, seed, ex -> {      // a pair pads to its longer side
            PreferenceSequences.Pair p = sequences.encode(ex, width);
            return Math.max(p.chosen().length, p.rejected().length);
        }, maker);
    }

    @Override
    public Output compute(Transformer net, Batch batch) {
        int b = batch.ints("ids").dim(0) / 2;
        Tensor rewards = SequenceRewards.score(net, head, batch.ints("ids"), batch.ints("attention_mask"));   // [2B]
        Tensor chosen = Shapes.slice(rewards, 0, 0, b), rejected = Shapes.slice(rewards, 0, b, 2 * b);       // [B] each
        Tensor loss = RewardLoss.compute(chosen, rejected, batch.floats("margins").data(), settings.centerRewardsCoefficient());   // [1]
        return new Output(loss, metrics(loss.item(), rewards.toArray(), b), b);
    }

    /** TRL's logged metrics from the host rewards [2B] (chosen, then rejected). */
    static Map<String, Double> metrics(double loss, float[] rewards, int b) {
        double rc = 0, rr = 0, correct = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < b; i++) {
            rc += rewards[i];
            rr += rewards[b + i];
            if (rewards[i] > rewards[b + i]) correct++;
        }
        for (float r : rewards) {
            min = Math.min(min, r);
            max = Math.max(max, r);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("accuracy", correct / b);
        m.put("margin", (rc - rr) / b);
        m.put("rewards/chosen", rc / b);
        m.put("rewards/rejected", rr / b);
        m.put("min_reward", min);
        m.put("mean_reward", (rc + rr) / (2.0 * b));
        m.put("max_reward", max);
        return m;
    }

    @Override
    public Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_labels", 1);
        m.put("pooler", "last");
        m.put("head", RewardHead.WEIGHT);
        m.put("prompt_field", settings.format().promptField());
        m.put("chat_template", settings.format().chatTemplateValue());
        m.put("add_eos", settings.format().addEos());
        return m;
    }

    @Override
    public String toString() {
        return "reward(center_rewards_coefficient=" + settings.centerRewardsCoefficient() + ", max_length=" + settings.maxLength() + ")";
    }
}
