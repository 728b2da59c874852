package dev.kiln.api.finetune;

import dev.kiln.api.config.Config;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.KilnPlugin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/** A fine-tuning method plugin (full, lora, sft, dpo, ...), registered in META-INF/services. */
public interface FineTunerFactory extends KilnPlugin {

    /** Which half of a fine-tuning pipeline this method fills. */
    enum Role {
        /** What trains: full, frozen layers, LoRA, IA3, BitFit, quantized base ... */
        PARAMETERS,
        /** What signal trains it: supervised, preference (DPO), reward model, RL ... */
        SIGNAL
    }

    Role role();

    /** Creates the method from its strictly parsed config section (call {@code config.finish()}). */
    FineTuner create(Config config, ObjectiveContext context);

    /**
     * As {@link #create(Config, ObjectiveContext)}, for a model loaded from a Hugging Face directory of
     * the family {@code modelNames} ({@link PeftNames#forModelType}; {@link PeftNames#KILN} for a Kiln
     * model): methods whose saved adapters name modules write these names unless their config says
     * otherwise ({@code peft_names}), so PEFT loads the adapter onto that Hub model. Default: ignores them.
     */
    default FineTuner create(Config config, ObjectiveContext context, PeftNames modelNames) {
        return create(config, context);
    }

    /**
     * The PEFT {@code peft_type} values ({@code adapter_config.json}) of the adapter directories this
     * method loads with {@link #loadAdapter}, e.g. {@code LORA}. Default: none.
     */
    default Set<String> peftTypes() { return Set.of(); }

    /**
     * Attaches the adapter saved in {@code dir} ({@code adapter_config.json} and
     * {@code adapter_model.safetensors}, as PEFT's {@code save_pretrained} writes them) to
     * {@code model} under {@code adapterName}, every parameter frozen afterwards. Errors name the
     * file and the key or tensor. Default: this method has no adapter files.
     */
    default LoadedAdapter loadAdapter(Transformer model, Path dir, String adapterName) throws IOException {
        throw new UnsupportedOperationException("fine-tuning method '" + name() + "' does not load adapter directories");
    }
}
