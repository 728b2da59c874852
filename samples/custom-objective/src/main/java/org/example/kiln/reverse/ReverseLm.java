package org.example.kiln.reverse;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Next-token prediction on documents whose token order is reversed.
 *
 * <p>It implements {@link Objective#prepare}, which makes every batch of an epoch at once: fine for
 * small data, which is what this sample trains on (the host reaches it through the default
 * {@link Objective#batches}, which collects this list). An objective for data larger than memory
 * should implement {@link Objective#batches} instead, making batch i on demand from the examples it
 * needs ({@code data.examples().get(i)}, shuffled with a seeded {@code dev.kiln.api.data.Permutation};
 * {@code dev.kiln.api.objective.ExampleBatches} does the B-examples-per-batch case), so an epoch
 * costs one batch of memory and a resumed run can start at any batch.
 */
final class ReverseLm implements Objective {
    private final Tokenizer tokenizer;
    private final boolean shuffle;

    ReverseLm(Tokenizer tokenizer, boolean shuffle) {
        this.tokenizer = tokenizer;
        this.shuffle = shuffle;
    }

    @Override
    public String name() { return "reverse-lm"; }

    @Override
    public void checkModel(TransformerConfig model) {
        if (!model.causal()) throw new IllegalArgumentException("reverse-lm needs a causal model: set model.causal: true");
    }

    @Override
    public List<Batch> prepare(Dataset data, BatchSpec spec, long seed) {
        int eos = tokenizer.requireSpecial(Tokenizer.EOS);
        List<Integer> stream = new ArrayList<>();
        for (Example e : data.examples()) {
            int[] ids = tokenizer.encode(e.text());
            for (int i = ids.length - 1; i >= 0; i--) stream.add(ids[i]);
            stream.add(eos);
        }
        int t = spec.seqLen(), blocks = (stream.size() - 1) / t;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < blocks; i++) order.add(i);
        if (shuffle) Collections.shuffle(order, new Random(seed));
        List<Batch> out = new ArrayList<>();
        for (int start = 0; start + spec.batchSize() <= blocks; start += spec.batchSize()) {
            int b = spec.batchSize();
            int[] ids = new int[b * t], targets = new int[b * t];
            for (int r = 0; r < b; r++) {
                int base = order.get(start + r) * t;
                for (int j = 0; j < t; j++) {
                    ids[r * t + j] = stream.get(base + j);
                    targets[r * t + j] = stream.get(base + j + 1);
                }
            }
            out.add(new Batch().put("ids", new IntTensor(ids, b, t)).put("targets", new IntTensor(targets, b, t)).tokens((long) b * t));
        }
        return out;
    }

    @Override
    public Output compute(Transformer model, Batch batch) {
        IntTensor ids = batch.ints("ids"), targets = batch.ints("targets");
        Tensor logits = model.logits(model.forward(ModelInput.of(ids)));     // [B, T, V]
        Tensor loss = Losses.crossEntropy(logits, targets);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", (double) loss.item());
        return new Output(loss, m, targets.size());
    }

    @Override
    public Map<String, Double> finish(Map<String, Double> averaged) {
        Map<String, Double> out = new LinkedHashMap<>(averaged);
        if (averaged.containsKey("loss")) out.put("perplexity", Math.exp(averaged.get("loss")));
        return out;
    }
}
