package dev.kiln.api.objective;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Objectives trained together with weights: total loss = Σ wᵢ·lossᵢ; metrics are reported per
 * member as {@code member.metric} (BERT pretraining is mlm + nsp). Each member makes its own
 * batches; the shorter epochs are cycled so every step has a batch for every member. Data-parallel
 * workers weigh each member by its share of the member's global weight, so N workers train as one.
 */
public final class CompositeObjective implements Objective {
    private final List<Objective> members;
    private final double[] weights;
    private final Module heads;

    public CompositeObjective(List<Objective> members, double[] weights) {
        if (members.isEmpty() || members.size() != weights.length)
            throw new IllegalArgumentException("composite objective needs one weight per member");
        this.members = List.copyOf(members);
        this.weights = weights.clone();
        Transformer.Group g = new Transformer.Group();
        for (Objective o : members) if (o.head() != null) g.child(o.name(), o.head());
        this.heads = g;
    }

    public List<Objective> members() { return members; }

    @Override
    public String name() {
        StringBuilder sb = new StringBuilder();
        for (Objective o : members) sb.append(sb.length() == 0 ? "" : "+").append(o.name());
        return sb.toString();
    }

    @Override
    public Module head() { return heads; }

    @Override
    public void checkModel(TransformerConfig model) {
        for (Objective o : members) o.checkModel(model);
    }

    /** When any member compares with a reference policy; each such member gets the same one. */
    @Override
    public boolean needsReference() {
        for (Objective o : members) if (o.needsReference()) return true;
        return false;
    }

    @Override
    public void useReference(ReferencePolicy reference) {
        for (Objective o : members) if (o.needsReference()) o.useReference(reference);
    }

    @Override
    public Batches batches(Dataset data, BatchSpec spec, long seed) {
        List<Batches> each = new ArrayList<>();
        long longest = 0;
        for (int i = 0; i < members.size(); i++) {
            Batches b = members.get(i).batches(data, spec, seed * 1_000_003L + i);
            if (b.isEmpty()) throw new IllegalArgumentException("objective '" + members.get(i).name() + "' made no batches from " + data.name());
            each.add(b);
            longest = Math.max(longest, b.size());
        }
        return Batches.lazy(longest, s -> {
            Batch combined = new Batch();
            long tokens = 0;
            for (int i = 0; i < members.size(); i++) {
                Batch part = each.get(i).get(s % each.get(i).size());
                combined.putPart(members.get(i).name(), part);
                tokens += part.tokens();
            }
            return combined.tokens(tokens);
        });
    }

    @Override
    public Output compute(Transformer model, Batch batch) {
        int n = members.size();
        Output[] outs = new Output[n];
        float[] weights = new float[n];                               // each member's weight on this worker (0: a padding part)
        for (int i = 0; i < n; i++) {
            Objective o = members.get(i);
            Batch part = batch.part(o.name());
            outs[i] = part.padding() ? StepWorkers.asPadding(() -> o.compute(model, part)) : o.compute(model, part);
            weights[i] = part.padding() ? 0 : (float) outs[i].weight();
        }
        double[] scale = workerScales(weights);
        Tensor total = null;
        Map<String, Double> metrics = new LinkedHashMap<>();
        double weight = 0, loss = 0;
        for (int i = 0; i < n; i++) {
            Objective o = members.get(i);
            Output out = outs[i];
            Tensor term = Arithmetic.mulScalar(out.loss(), (float) (this.weights[i] * scale[i]));
            total = total == null ? term : Arithmetic.add(total, term);
            for (var e : out.metrics().entrySet()) metrics.put(o.name() + "." + e.getKey(), e.getValue() * scale[i]);
            loss += this.weights[i] * scale[i] * out.metrics().getOrDefault("loss", (double) out.loss().item());
            weight += weights[i];
        }
        metrics.put("loss", loss);
        return new Output(total, metrics, weight);
    }

    /**
     * 1 for every member alone; with data-parallel workers, member i's factor (Σw / w) · (wᵢ / Wᵢ), where wᵢ is its
     * weight here, Wᵢ its sum over the workers, w = Σᵢ wᵢ this worker's weight and Σw the workers' sum of those: the
     * trainer's sum over workers weighted by w is then Σᵢ λᵢ · (member i's loss over the whole global batch), as
     * in plain training, though the members count different things (masked tokens, sentence pairs).
     */
    private static double[] workerScales(float[] weights) {
        double[] scale = new double[weights.length];
        Arrays.fill(scale, 1);
        if (StepWorkers.count() == 1) return scale;
        float[] global = weights.clone();
        StepWorkers.sum(global);
        double mine = 0, all = 0;
        for (int i = 0; i < weights.length; i++) {
            mine += weights[i];
            all += global[i];
        }
        for (int i = 0; i < weights.length; i++) scale[i] = mine > 0 && global[i] > 0 ? all / mine * (weights[i] / global[i]) : 0;
        return scale;
    }

    @Override
    public Map<String, Double> finish(Map<String, Double> averaged) {
        Map<String, Double> out = new LinkedHashMap<>(averaged);
        for (Objective o : members) {
            String prefix = o.name() + ".";
            Map<String, Double> mine = new LinkedHashMap<>();
            for (var e : averaged.entrySet()) if (e.getKey().startsWith(prefix)) mine.put(e.getKey().substring(prefix.length()), e.getValue());
            for (var e : o.finish(mine).entrySet()) out.put(prefix + e.getKey(), e.getValue());
        }
        return out;
    }
}
