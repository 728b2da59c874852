package dev.kiln.api.finetune;

import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.tensor.Tensor;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;

/**
 * Trainable vs total parameter counts over a model and its heads (each shared tensor once), printed
 * like PEFT's {@code print_trainable_parameters}.
 */
public record TrainableParameters(long trainable, long total) {

    public static TrainableParameters of(Module model, Module heads) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long trainable = 0, total = 0;
        for (Module m : heads == null ? new Module[] {model} : new Module[] {model, heads})
            for (Tensor p : m.parameters()) {
                if (!seen.add(p)) continue;
                total += p.size();
                if (p.requiresGrad()) trainable += p.size();
            }
        for (Module m : model.namedModules().values())         // a 4-bit or bf16 weight is no parameter, but PEFT counts it
            if (m instanceof Linear l && l.isQuantized()) total += (long) l.inFeatures() * l.outFeatures();
        return new TrainableParameters(trainable, total);
    }

    public double percent() { return total == 0 ? 0 : 100.0 * trainable / total; }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f", trainable, total, percent());
    }
}
