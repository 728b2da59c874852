package dev.kiln.finetune.reward;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.tensor.PaddedRows;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A trained reward model as an online-RL reward: each completion's score is the r the {@code reward}
 * signal trained ({@link SequenceRewards}) for prompt + completion, in batches of
 * {@code batch_size}, without the tape.
 *
 * <p>The sequence: with the policy's own tokenizer (same name, vocabulary size, special tokens,
 * encoding of a probe text and decoding of every id) the policy's ids are reused (prompt ids, then completion ids); with
 * another, prompt + completion text is tokenized by the reward model's tokenizer. A finished
 * completion gets the EOS it was trained with ({@code add_eos}); one cut at the token limit does
 * not. A sequence longer than the reward model's positions keeps its last tokens.
 */
final class RewardModelFunction implements RewardFunction {
    private static final String PROBE = "Kiln probe: 0123 héllo, wörld!";

    private final Transformer model;
    private final Tokenizer tokenizer;
    private final RewardHead head;
    private final boolean reuseIds, addEos;
    private final int batchSize, pad;
    private final OptionalInt eos;

    RewardModelFunction(Transformer model, Tokenizer tokenizer, RewardHead head, Tokenizer policy, boolean addEos, int batchSize) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.head = head;
        this.reuseIds = sameTokenizer(tokenizer, policy);
        this.addEos = addEos;
        this.batchSize = batchSize;
        this.pad = tokenizer.special(Tokenizer.PAD).orElse(0);
        this.eos = tokenizer.special(Tokenizer.EOS);
        model.train(false);
    }

    @Override
    public String name() { return RewardModelFunctionFactory.NAME; }

    /** Whether the policy's ids mean the same to the reward model. */
    boolean reusesPolicyIds() { return reuseIds; }

    static boolean sameTokenizer(Tokenizer a, Tokenizer b) {
        if (a == b) return true;
        if (b == null || !a.name().equals(b.name()) || a.vocabSize() != b.vocabSize()) return false;
        Map<String, Integer> sa = a.specialTokens(), sb = b.specialTokens();
        int[] every = new int[a.vocabSize()];
        for (int i = 0; i < every.length; i++) every[i] = i;
        return sa.equals(sb) && Arrays.equals(a.encode(PROBE), b.encode(PROBE)) && a.decode(every, false).equals(b.decode(every, false));
    }

    @Override
    public double[] score(List<Completion> completions) {
        double[] out = new double[completions.size()];
        for (int from = 0; from < completions.size(); from += batchSize) {
            List<int[]> rows = new ArrayList<>();
            for (Completion c : completions.subList(from, Math.min(completions.size(), from + batchSize))) rows.add(sequence(c));
            float[] scores = scoreBatch(rows);
            for (int i = 0; i < scores.length; i++) out[from + i] = scores[i];
        }
        return out;
    }

    /** The ids the reward model reads for one completion. */
    int[] sequence(Completion c) {
        int[] body;
        if (reuseIds) {
            body = new int[c.promptIds().length + c.ids().length];
            System.arraycopy(c.promptIds(), 0, body, 0, c.promptIds().length);
            System.arraycopy(c.ids(), 0, body, c.promptIds().length, c.ids().length);
        } else {
            body = tokenizer.encode(c.prompt() + c.text());
        }
        if (c.finished() && addEos && eos.isPresent()) {
            body = Arrays.copyOf(body, body.length + 1);
            body[body.length - 1] = eos.getAsInt();
        }
        if (body.length == 0) throw new IllegalArgumentException("reward function '" + name() + "': an empty prompt and completion has nothing to score");
        int limit = model.config().positions().bounded() ? model.config().usablePositions() : Integer.MAX_VALUE;
        return body.length <= limit ? body : Arrays.copyOfRange(body, body.length - limit, body.length);
    }

    /** rows: N sequences → N rewards, one right-padded [N, L] forward. */
    private float[] scoreBatch(List<int[]> rows) {
        PaddedRows batch = PaddedRows.of(rows, pad);                                          // [N, L]
        try (var g = GradMode.noGrad()) {
            return SequenceRewards.score(model, head, batch.ids(), batch.mask()).toArray();   // [N]
        }
    }
}
