package dev.kiln.finetune.ia3;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.finetune.PeftNames;
import dev.kiln.api.finetune.LoadedAdapter;
import dev.kiln.api.io.DType;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import java.util.List;

/**
 * IA3 ("ia3", role PARAMETERS; Liu et al. 2022, PEFT's IA3Config): learned scaling vectors,
 * initialised to ones, on attention keys and values and on the feed-forward activation; the base
 * is frozen.
 *
 * <p>Config keys (strict), PEFT's names:
 * <ul>
 *   <li>{@code target_modules} ([attn.qkv, mlp.down]): Linear module paths, dotted suffixes of
 *       them, regexes over the whole path, or {@code all-linear} (the lora plugin's matching).
 *       A self-attention's fused {@code attn.qkv} has only its key and value rows scaled (PEFT
 *       targets k_proj and v_proj, not q_proj);</li>
 *   <li>{@code feedforward_modules} ([mlp.down]): targets whose <em>input</em> is scaled (the
 *       feed-forward activation); must be a subset of target_modules;</li>
 *   <li>{@code init_ia3_weights} (true): scales start at 1; false starts them randomly in
 *       [0.5, 1.5] (for tests);</li>
 *   <li>{@code adapter_name} ("default");</li>
 *   <li>{@code peft_names} (kiln, or the family of a Hugging Face base model): the module names of the saved
 *       adapter, as the lora plugin's ({@code gpt2}, {@code bert}, {@code roberta}, {@code llama} name the
 *       Hugging Face modules PEFT targets).</li>
 *   <li>{@code save_dtype} (f32): how export stores the adapter's tensors: {@code f32}, {@code bf16} or
 *       {@code f16} (rounded to nearest); loading reads any of them.</li>
 * </ul>
 */
public final class Ia3FineTunerFactory implements FineTunerFactory {
    public static final String NAME = "ia3";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "IA3: learned scaling vectors on attention keys/values and the feed-forward activation over a frozen base; merge/unmerge"; }

    @Override
    public Role role() { return Role.PARAMETERS; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return create(config, context, PeftNames.KILN);
    }

    /** {@code peft_names} defaults to {@code modelNames}: a Hugging Face base model's family. */
    @Override
    public FineTuner create(Config config, ObjectiveContext context, PeftNames modelNames) {
        List<String> targets = config.getList("target_modules", Ia3Config.DEFAULT_TARGETS);
        List<String> feedforward = config.getList("feedforward_modules", Ia3Config.DEFAULT_FEEDFORWARD);
        boolean initOnes = config.getBoolean("init_ia3_weights", true);
        String adapter = config.getString("adapter_name", "default");
        String names = config.getChoice("peft_names", modelNames.key(), PeftNames.keys());
        String dtype = config.getChoice("save_dtype", "f32", "f32", "bf16", "f16");
        config.finish();
        if (targets.isEmpty() || targets.stream().anyMatch(String::isBlank))
            throw config.error("target_modules", "must list at least one non-empty pattern, got " + targets);
        if (feedforward.stream().anyMatch(String::isBlank)) throw config.error("feedforward_modules", "has an empty pattern: " + feedforward);
        String notSubset = Ia3Config.feedforwardNotInTargets(targets, feedforward);
        if (notSubset != null)
            throw config.error("feedforward_modules", "must be a subset of target_modules " + targets + " (as PEFT requires); not in it: "
                    + feedforward.stream().filter(f -> !targets.contains(f)).toList());
        if (!adapter.matches("[A-Za-z0-9_-]+")) throw config.error("adapter_name", "must match [A-Za-z0-9_-]+, got '" + adapter + "'");
        return new Ia3FineTuner(new Ia3Config(targets, feedforward, initOnes, adapter), PeftNames.parse(names))
                .withSaveDtype(DType.valueOf(dtype.toUpperCase(java.util.Locale.ROOT)));
    }

    @Override
    public Set<String> peftTypes() { return Set.of("IA3"); }

    @Override
    public LoadedAdapter loadAdapter(Transformer model, Path dir, String adapterName) throws IOException {
        Ia3FineTuner.load(model, dir, adapterName);
        return LoadedAdapter.mergeable("IA3", () -> Ia3.mergeAndDetach(model, adapterName));
    }
}
