package dev.kiln.finetune.sft;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.PaddedRows;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A sequence classifier as an online-RL reward, as TRL's sentiment examples use a classifier
 * pipeline: prompt + completion text is tokenized by the classifier's own tokenizer (the way the
 * {@code sft} objective lays out a row: [CLS] text [SEP] for BERT shapes), pooled and classified
 * exactly as {@link SequenceClassificationObjective} does, and the reward is one class's
 * {@code logit} (TRL's {@code function_to_apply="none"}), {@code log_prob} or {@code prob}.
 * A text longer than {@code maxLength} tokens keeps its first ones (transformers' right-side truncation).
 */
final class ClassifierReward implements RewardFunction {
    /** What of the chosen class's output is the reward. */
    enum Score { LOGIT, LOG_PROB, PROB }

    private final Transformer model;
    private final ClassificationHead head;
    private final String pooler;
    private final SequenceEncoder encoder;
    private final int label, batchSize, maxLength, pad;
    private final Score score;

    ClassifierReward(Transformer model, Tokenizer tokenizer, ClassificationHead head, String pooler, int label, Score score, int batchSize, int maxLength) {
        this.model = model;
        this.head = head;
        this.pooler = pooler;
        this.encoder = new SequenceEncoder(tokenizer, false);
        this.label = label;
        this.score = score;
        this.batchSize = batchSize;
        this.maxLength = maxLength;
        this.pad = tokenizer.special(Tokenizer.PAD).orElse(0);
        model.train(false);
        head.train(false);
    }

    @Override
    public String name() { return ClassifierRewardFactory.NAME; }

    @Override
    public double[] score(List<Completion> completions) {
        double[] out = new double[completions.size()];
        for (int from = 0; from < completions.size(); from += batchSize) {
            List<int[]> rows = new ArrayList<>();
            for (Completion c : completions.subList(from, Math.min(completions.size(), from + batchSize))) rows.add(ids(c));
            double[] scores = scoreBatch(rows);
            System.arraycopy(scores, 0, out, from, scores.length);
        }
        return out;
    }

    /** The classifier's ids for prompt + completion text. */
    int[] ids(Completion c) {
        String text = c.prompt() + c.text();
        if (text.isEmpty()) throw new IllegalArgumentException("reward function '" + name() + "': an empty prompt and completion has nothing to classify");
        int[] ids = encoder.encode(text, null, maxLength).ids();
        if (ids.length == 0) throw new IllegalArgumentException("reward function '" + name() + "': '" + text + "' has no tokens for the classifier");
        return ids;
    }

    /** rows: N id sequences → N rewards, one right-padded [N, L] forward. */
    private double[] scoreBatch(List<int[]> rows) {
        int n = rows.size();
        PaddedRows batch = PaddedRows.of(rows, pad);                                          // [N, L]
        float[] logits;
        try (var g = GradMode.noGrad()) {
            int width = batch.ids().dim(1);
            Tensor hidden = model.forward(ModelInput.of(batch.ids()).withTokenTypes(new IntTensor(new int[n * width], n, width))
                    .withAttentionMask(batch.mask()));                                                              // [N, L, C]
            logits = head.forward(Pooling.pool(pooler, hidden, batch.mask())).toArray();                             // [N, K]
        }
        int k = logits.length / n;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = pick(logits, i * k, k);
        return out;
    }

    /** The reward from one row's logits {@code logits[at, at + k)}. */
    private double pick(float[] logits, int at, int k) {
        double chosen = logits[at + label];
        if (score == Score.LOGIT) return chosen;
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < k; j++) max = Math.max(max, logits[at + j]);
        for (int j = 0; j < k; j++) sum += Math.exp(logits[at + j] - max);
        double logProb = chosen - max - Math.log(sum);
        return score == Score.LOG_PROB ? logProb : Math.exp(logProb);
    }
}
