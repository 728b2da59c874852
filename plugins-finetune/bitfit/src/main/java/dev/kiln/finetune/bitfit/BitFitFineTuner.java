package dev.kiln.finetune.bitfit;

import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Norm;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BitFit (Ben Zaken et al., 2022): only the bias terms train, plus the objective's head.
 *
 * <p>{@link #configure}: every backbone parameter freezes; then every parameter named
 * {@code bias} (attention, MLP, and — with {@code include_norms} — LayerNorm biases) trains, and
 * every heads parameter trains. Norm <em>weights</em> (gains) stay frozen. A model without biases
 * (e.g. LLaMA shapes, {@code model.bias = false} with RMSNorm) and no head is an error: nothing
 * would train. Records and logs PEFT's trainable-parameter line.
 *
 * <p>{@link #trainableState}: the trainable biases by full name plus heads as {@code heads.<name>},
 * so a BitFit checkpoint is small (the base weights come from the pretrained checkpoint).
 */
public final class BitFitFineTuner implements FineTuner {
    private static final System.Logger LOG = System.getLogger(BitFitFineTuner.class.getName());

    private final boolean includeNorms;
    private Module heads;
    private String report;

    public BitFitFineTuner(boolean includeNorms) { this.includeNorms = includeNorms; }

    @Override
    public String name() { return BitFitFineTunerFactory.NAME; }

    public boolean includeNorms() { return includeNorms; }

    @Override
    public void configure(Transformer model, Module heads) {
        List<String> biases = biasNames(model, includeNorms);
        Map<String, Tensor> params = model.namedParameters();
        boolean headParams = heads != null && !heads.namedParameters().isEmpty();
        if (biases.isEmpty() && !headParams)
            throw new IllegalArgumentException("finetune 'bitfit': the model has no bias parameters"
                    + (includeNorms ? "" : " outside its norms (include_norms = false)")
                    + " and there is no head, so nothing would train (model.bias = " + model.config().bias() + ", model.norm = " + model.config().norm() + ")");
        for (Tensor p : params.values()) p.requiresGrad(false);
        for (String name : biases) params.get(name).requiresGrad(true);
        if (heads != null) for (Tensor p : heads.parameters()) p.requiresGrad(true);
        this.heads = heads;
        this.report = printTrainableParameters(model, heads);
        LOG.log(System.Logger.Level.INFO, "bitfit: " + report);
    }

    /** Full names of the bias parameters BitFit trains: every {@code *.bias}, minus norm biases unless included. */
    static List<String> biasNames(Transformer model, boolean includeNorms) {
        Set<Tensor> normBiases = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Module m : model.namedModules().values())
            if (m instanceof Norm n && n.bias() != null) normBiases.add(n.bias());
        List<String> out = new ArrayList<>();
        for (var e : model.namedParameters().entrySet()) {
            boolean bias = e.getKey().equals("bias") || e.getKey().endsWith(".bias");
            if (bias && (includeNorms || !normBiases.contains(e.getValue()))) out.add(e.getKey());
        }
        return out;
    }

    /** The line taken by the last {@link #configure}, or null before. */
    public String lastReport() { return report; }

    /**
     * PEFT's {@code print_trainable_parameters} for a model and optional heads as they are now
     * (tied tensors counted once): {@code trainable params: 1,234 || all params: 56,789 || trainable%: 2.1729}.
     */
    public static String printTrainableParameters(Module model, Module heads) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> all = new ArrayList<>(model.parameters());
        if (heads != null) all.addAll(heads.parameters());
        long trainable = 0, total = 0;
        for (Tensor t : all) {
            if (!seen.add(t)) continue;
            total += t.size();
            if (t.requiresGrad()) trainable += t.size();
        }
        double pct = total == 0 ? 0 : 100.0 * trainable / total;
        return String.format(java.util.Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f", trainable, total, pct);
    }

    @Override
    public Map<String, Tensor> trainableState(Transformer model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : model.namedParameters().entrySet()) if (e.getValue().requiresGrad()) out.put(e.getKey(), e.getValue());
        if (heads != null) {
            Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            seen.addAll(out.values());
            for (var e : heads.namedParameters().entrySet()) if (seen.add(e.getValue())) out.put("heads." + e.getKey(), e.getValue());
        }
        return out;
    }

    @Override
    public String toString() { return "bitfit(include_norms=" + includeNorms + ")"; }
}
