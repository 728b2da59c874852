package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * LoRA as the "what trains" half of a pipeline. {@link #configure} freezes every backbone
 * parameter (other adapters' included), attaches this config's adapter to every targeted Linear,
 * makes it the active one, keeps the heads trainable, and records (and logs) PEFT's
 * trainable-parameter line. {@link #trainableState} is the adapter's tensors plus the heads.
 */
public final class LoraFineTuner implements FineTuner {
    private static final System.Logger LOG = System.getLogger(LoraFineTuner.class.getName());

    private final LoraConfig config;
    private Module heads;
    private Lora.ParameterReport report;

    public LoraFineTuner(LoraConfig config) { this.config = config; }

    @Override
    public String name() { return LoraFineTunerFactory.NAME; }

    public LoraConfig config() { return config; }

    @Override
    public void configure(Transformer model, Module heads) {
        Lora.requireTargets(model, config);                // fail before touching the model when nothing matches
        if (Lora.adapterNames(model).contains(config.adapterName()))
            throw new IllegalStateException("lora: the model already has an adapter named '" + config.adapterName() + "'");
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        Lora.attach(model, config);
        Lora.setAdapter(model, config.adapterName());
        if (heads != null) for (Tensor p : heads.parameters()) p.requiresGrad(true);
        this.heads = heads;
        this.report = Lora.report(model, heads);
        LOG.log(System.Logger.Level.INFO, "lora '" + config.adapterName() + "': " + report);
    }

    /** The trainable-parameter counts taken by the last {@link #configure}, or null before. */
    public Lora.ParameterReport parameterReport() { return report; }

    /** PEFT's print_trainable_parameters for the model as it is now (heads from configure). */
    public String printTrainableParameters(Transformer model) {
        String line = Lora.report(model, heads).toString();
        System.out.println(line);
        return line;
    }

    /** This adapter's A and B by full parameter name, plus every heads parameter as {@code heads.<name>}. */
    @Override
    public Map<String, Tensor> trainableState(Transformer model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        String child = "." + Lora.childName(config.adapterName()) + ".";
        for (var e : model.namedParameters().entrySet()) if (e.getKey().contains(child)) out.put(e.getKey(), e.getValue());
        if (heads != null) {
            Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            seen.addAll(out.values());
            for (var e : heads.namedParameters().entrySet()) if (seen.add(e.getValue())) out.put("heads." + e.getKey(), e.getValue());
        }
        return out;
    }

    /** Saves this adapter alone in PEFT's layout ({@link PeftFormat}). */
    public void save(Transformer model, java.nio.file.Path dir) throws java.io.IOException {
        PeftFormat.save(model, config, dir);
    }

    @Override
    public String toString() {
        return "lora(r=" + config.r() + ", alpha=" + config.alpha() + ", dropout=" + config.dropout() + ", use_rslora=" + config.useRslora()
                + ", target_modules=" + config.targetModules() + ", adapter_name=" + config.adapterName() + ")";
    }
}
