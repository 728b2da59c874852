package dev.kiln.objective.dae;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.data.Batch;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A minimal training loop for learning tests: AdamW over backbone + head, then weighted eval metrics. */
final class TinyTraining {
    private TinyTraining() {}

    /** A bidirectional pre-norm GPT-shaped backbone (trains faster than post-norm BERT at this size). */
    static TransformerConfig encoder(int vocab, int d, int layers, int heads, int maxSeq, float dropout) {
        TransformerConfig g = TransformerConfig.gpt2(vocab, d, layers, heads, maxSeq);
        return new TransformerConfig(vocab, d, layers, heads, heads, 4 * d, maxSeq, "learned", 10000f, "layernorm", 1e-5f, true,
                "mlp", "gelu_tanh", false, true, true, dropout, 0, false, true, false, g.initStd());
    }

    static Map<String, Tensor> parameters(Transformer model, Objective o) {
        Map<String, Tensor> p = new LinkedHashMap<>(model.namedParameters());
        if (o.head() != null) o.head().namedParameters().forEach((k, v) -> { if (!p.containsValue(v)) p.put("heads." + k, v); });
        return p;
    }

    static void train(Transformer model, Objective o, List<Batch> batches, int steps, double lr) {
        Map<String, Tensor> params = parameters(model, o);
        List<ParamGroup> groups = new ArrayList<>();
        params.forEach((k, v) -> groups.add(new ParamGroup(k, v, 1.0, ParamGroup.decays(k, v) ? 0.01 : 0)));
        AdamW opt = new AdamW(groups, 0.9, 0.98, 1e-8);
        model.train(true);
        if (o.head() != null) o.head().train(true);
        for (int s = 0; s < steps; s++) {
            for (Tensor t : params.values()) t.zeroGrad();
            model.setDropoutSeed(s + 1);
            o.compute(model, batches.get(s % batches.size())).loss().backward();
            double warm = Math.min(1.0, (s + 1) / 20.0);
            opt.step(lr * warm);
        }
    }

    /** Metrics averaged over batches, weighted by each output's weight, in eval mode without gradients. */
    static Map<String, Double> evaluate(Transformer model, Objective o, List<Batch> batches) {
        model.train(false);
        if (o.head() != null) o.head().train(false);
        Map<String, Double> sum = new LinkedHashMap<>();
        double weight = 0;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (Batch b : batches) {
                Objective.Output out = o.compute(model, b);
                out.metrics().forEach((k, v) -> sum.merge(k, v * out.weight(), Double::sum));
                weight += out.weight();
            }
        }
        double w = weight;
        sum.replaceAll((k, v) -> v / w);
        return sum;
    }
}
