package dev.kiln.runtime.pipeline;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.finetune.PeftNames;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.nn.FrozenWeights;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.CompositeObjective;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.reward.RewardFunctionFactory;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.chat.ChatTemplateFiles;
import dev.kiln.runtime.chat.JinjaChatTemplate;
import dev.kiln.runtime.adapter.AdapterHeads;
import dev.kiln.runtime.adapter.Adapters;
import dev.kiln.runtime.hf.HfExport;
import dev.kiln.runtime.train.TrainingListener;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns a pipeline config into a run: tokenizer → model → objective(s) → data → trainer → a saved
 * model directory. Top-level keys: seed, backend, model, tokenizer, data, objective | objectives,
 * train, generate, finetune. Unknown keys anywhere are errors naming the known ones.
 */
public final class Pipeline {
    private final Backend backend;
    private final MeterRegistry registry;
    private final Map<String, ObjectiveFactory> objectives;
    private final Map<String, FineTunerFactory> fineTuners;
    private final Map<String, RewardFunctionFactory> rewards;

    @Inject
    public Pipeline(Backend backend, MeterRegistry registry, Map<String, ObjectiveFactory> objectives,
                    Map<String, FineTunerFactory> fineTuners, Map<String, RewardFunctionFactory> rewards) {
        this.backend = backend;
        this.registry = registry;
        this.objectives = objectives;
        this.fineTuners = fineTuners;
        this.rewards = rewards;
    }

    /**
     * Pretrains a fresh model as the config says, or continues from {@code model.init_from} (a Kiln or
     * Hugging Face model directory, which also supplies the tokenizer and any saved objective head);
     * results and the model go under outDir.
     */
    public PipelineResult pretrain(Map<String, Object> config, Path configDir, Path outDir, TrainingListener listener) throws IOException {
        Config root = new Config("pipeline", config);
        ResolvedConfig resolved = new ResolvedConfig(root);
        long seed = root.getLong("seed", 1234);
        root.getString("backend", null);                       // chosen by the CLI / Guice before we run
        root.section("generate");                              // read by the CLI after training
        if (root.has("finetune")) throw root.error("finetune", "is for 'kiln finetune'; 'kiln pretrain' starts from scratch or from model.init_from");
        Config modelSection = root.section("model");
        String initFrom = modelSection.getString(InitFrom.KEY, null);
        ModelSource source = null;
        Tokenizer tokenizer;
        TransformerConfig mc;
        if (initFrom != null) {
            if (root.has("tokenizer")) throw root.error("tokenizer", "comes from model.init_from (" + initFrom + "); remove it");
            source = ModelSource.load(configDir.resolve(initFrom), backend);
            tokenizer = source.tokenizer();
            mc = InitFrom.config(modelSection, source.model().config(), source.dir());
        } else {
            tokenizer = PipelineInputs.tokenizer(root.section("tokenizer"), configDir);
            mc = TransformerConfig.fromConfig(resolved.put("model", withDefaultVocab(modelSection, tokenizer)));
        }
        tokenizer = PipelineInputs.specialTokens(root, tokenizer);
        if (mc.vocab() < tokenizer.vocabSize())
            throw modelSection.error("vocab", "is " + mc.vocab() + " but the tokenizer has " + tokenizer.vocabSize() + " ids");
        ObjectiveContext ctx = new ObjectiveContext(tokenizer, backend, mc, seed, null,
                PipelineRewards.of(rewards, tokenizer, backend, configDir), PipelineRewards.models(backend, configDir));
        Objective objective = objective(root, ctx, resolved);
        PipelineInputs.Splits data = PipelineInputs.data(root.section("data"), configDir, seed, tokenizer);
        Config train = root.section("train");
        root.finish();
        Transformer model = source == null ? new Transformer(backend, mc, seed) : InitFrom.model(backend, mc, source.model(), seed, source.dir());
        objective.checkModel(mc);
        if (source != null) SavedHeads.load(objective, model, source, false, listener);
        return new TrainingRun(backend, registry, model, objective, null, tokenizer, data, train, outDir, config, resolved::get, null).run(listener);
    }

    /**
     * Fine-tunes the model in {@code finetune.from} (a Kiln or Hugging Face model directory) with a method
     * (what trains) and a signal (objective); {@code finetune.export: hf} also writes {@code outDir/hf}.
     */
    public PipelineResult finetune(Map<String, Object> config, Path configDir, Path outDir, TrainingListener listener) throws IOException {
        Config root = new Config("pipeline", config);
        ResolvedConfig resolved = new ResolvedConfig(root);
        long seed = root.getLong("seed", 1234);
        root.getString("backend", null);
        root.section("generate");
        Config ft = root.section("finetune");
        Path from = configDir.resolve(ft.requireString("from"));
        NamedSpec method = NamedSpec.parse(ft.raw().getOrDefault("method", "full"), "finetune method");
        ft.has("method");
        Object signalSpec = ft.raw().get("signal");
        ft.has("signal");
        Config forgettingSection = ft.has("forgetting") ? ft.section("forgetting") : null;
        String export = ft.getChoice("export", "none", "none", HfExport.FORMAT);
        Path adapter = ft.has("adapter") ? configDir.resolve(ft.requireString("adapter")) : null;
        ft.finish();
        if (export.equals(HfExport.FORMAT)) HfExport.checkOutput(outDir.resolve(HfExport.FORMAT));   // before training, not after
        ModelSource.Header header = ModelSource.header(from);                  // the method is made before the weights load
        Tokenizer tokenizer = PipelineInputs.specialTokens(root, header.tokenizer());
        TransformerConfig mc = header.modelConfig();
        boolean frozenBf16 = frozenDtype(root).equals("bf16");
        Float dropout = dropout(root);
        // the model's own chat template (tokenizer_config.json ...), for signals that format conversations (sft)
        ObjectiveContext ctx = new ObjectiveContext(tokenizer, backend, mc, seed, ChatTemplateFiles.load(from).orElse(null),
                PipelineRewards.of(rewards, tokenizer, backend, configDir), PipelineRewards.models(backend, configDir));
        FineTuner tuner = fineTuner(resolved.put("finetune.method", method), FineTunerFactory.Role.PARAMETERS, ctx, header.peftNames());
        PipelineInputs.checkTrain(root);                   // a bad train key fails before a long model load
        ModelSource loaded = ModelSource.load(header, backend, tuner.baseBlockHook());   // QLoRA: each block 4-bit as it loads
        if (dropout != null) loaded.model().setDropout(dropout);
        Objective objective = signalSpec != null ? signal(ClassifierDefaults.apply(signalSpec, loaded), ctx, resolved) : objective(root, ctx, resolved);
        PipelineInputs.Splits data = PipelineInputs.data(root.section("data"), configDir, seed, tokenizer);
        Config train = root.section("train");
        Forgetting forgetting = forgettingSection == null ? null : forgetting(forgettingSection, configDir, ctx, train, seed, resolved);
        root.section("tokenizer").finish();
        root.finish();
        objective.checkModel(mc);
        SavedHeads.load(objective, loaded.model(), loaded, false, listener);
        if (forgetting != null) {
            SavedHeads.load(forgetting.objective(), loaded.model(), loaded, true, listener);
            forgetting.measureBefore(loaded.model());
        }
        if (adapter == null) tuner.configure(loaded.model(), objective.head());
        else startFromAdapter(adapter, method, tuner, loaded.model(), objective);
        if (frozenBf16) storeFrozenBf16(loaded.model(), method, listener);
        if (objective.needsReference()) {                                   // dpo, ...: after configure, so adapters are attached
            ReferencePolicy reference = ReferenceModels.build(loaded.model(), from, backend);
            objective.useReference(reference);
            if (listener != null) listener.onMessage("reference policy: " + reference.describe());
        }
        PipelineResult result = new TrainingRun(backend, registry, loaded.model(), objective, tuner, tokenizer, data, train, outDir,
                config, resolved::get, forgetting).run(listener);
        Path saved = outDir.resolve(Adapters.RUN_ADAPTER_DIR);
        if (java.nio.file.Files.isRegularFile(saved.resolve(Adapters.CONFIG))) {
            Adapters.recordBase(saved, from.toAbsolutePath().normalize().toString(), peftTaskType(objective));
            Map<String, Tensor> trained = TrainingRun.savedHeads(objective, loaded.model());
            trained.values().removeIf(t -> !t.requiresGrad());
            List<String> modules = AdapterHeads.save(saved, trained);
            if (!modules.isEmpty() && listener != null) listener.onMessage("the adapter saves the trained head as modules_to_save " + modules);
        }
        if (export.equals(HfExport.FORMAT)) exportHf(result.modelDir(), outDir.resolve(HfExport.FORMAT), listener);
        if (ctx.chatTemplate() instanceof JinjaChatTemplate template) {        // the fine-tuned model chats as the base did
            ChatTemplateFiles.save(template, result.modelDir());
            if (export.equals(HfExport.FORMAT)) ChatTemplateFiles.save(template, outDir.resolve(HfExport.FORMAT));
        }
        return result;
    }

    /** The {@code model} keys a fine-tune takes: everything else about the model comes from the checkpoint in finetune.from. */
    private static final java.util.Set<String> FINETUNE_MODEL_KEYS = java.util.Set.of("frozen_dtype", "dropout");

    /** {@code model.frozen_dtype} (fp32 | bf16). */
    private static String frozenDtype(Config root) {
        if (!root.has("model")) return "fp32";
        Config model = root.section("model");
        String dtype = model.getChoice("frozen_dtype", "fp32", "fp32", "bf16");
        java.util.Set<String> others = new java.util.TreeSet<>(model.raw().keySet());
        others.removeAll(FINETUNE_MODEL_KEYS);
        if (!others.isEmpty())
            throw root.error("model", "comes from the checkpoint in finetune.from (only " + new java.util.TreeSet<>(FINETUNE_MODEL_KEYS)
                    + " may be set here); remove " + others);
        return dtype;
    }

    /** {@code model.dropout} of a fine-tune (e.g. 0, as TRL's disable_dropout), or null: the checkpoint's. */
    private static Float dropout(Config root) {
        if (!root.has("model") || !root.section("model").has("dropout")) return null;
        Config model = root.section("model");
        double p = model.getDouble("dropout", 0);
        if (!(p >= 0 && p < 1)) throw model.error("dropout", "must be in [0, 1), got " + p);
        return (float) p;
    }

    /** model.frozen_dtype: bf16, once the method has frozen the base: refused (naming the key) if a base weight trains. */
    private static void storeFrozenBf16(Transformer model, NamedSpec method, TrainingListener listener) {
        List<String> stored;
        try {
            stored = FrozenWeights.storeBf16(model);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage() + " (finetune.method: " + method.name() + ")");
        }
        if (listener != null) listener.onMessage(FrozenWeights.KEY + ": " + stored.size() + " frozen linear weights stored as bf16");
    }

    /** finetune.export: hf, once the trained model is saved. */
    private void exportHf(Path modelDir, Path out, TrainingListener listener) throws IOException {
        HfExport.Result r;
        try {
            r = HfExport.export(modelDir, out, HfExport.Options.defaults(), backend);
        } catch (IOException e) {
            throw new IOException("finetune.export: hf: " + e.getMessage() + " (the trained model is saved in " + modelDir + ")", e);
        }
        if (listener != null) listener.onMessage("exported " + r.architecture() + " to " + r.dir()
                + (r.separateHeads().isEmpty() ? "" : " (heads in " + HfExport.HEAD_FILE + ": " + r.separateHeads() + ")"));
    }

    /**
     * PEFT's task_type for what the signal trains: CAUSAL_LM for next-token objectives (clm, sft
     * instruction, dpo, kto), SEQ_CLS for a classification or regression head (sft) or a reward
     * model's score (reward), FEATURE_EXTRACTION for sentence embeddings (contrastive); null where
     * PEFT has no task type (mlm, nsp, ...).
     */
    static String peftTaskType(Objective objective) {
        return switch (objective.name()) {
            case "clm", "dpo", "kto" -> "CAUSAL_LM";
            case "sft" -> objective.head() == null ? "CAUSAL_LM" : "SEQ_CLS";
            case "reward" -> "SEQ_CLS";
            case "contrastive" -> "FEATURE_EXTRACTION";
            default -> null;
        };
    }

    /**
     * {@code finetune.adapter}: the same method without another {@code adapter_name} continues training
     * the saved adapter; otherwise the saved one is applied first (merged into the weights where it
     * can be, else kept attached and frozen) and the method's new adapter trains on top of it.
     */
    private void startFromAdapter(Path adapter, NamedSpec method, FineTuner tuner, Transformer model, Objective objective) throws IOException {
        FineTunerFactory owner = Adapters.factoryFor(adapter, fineTuners);
        Object name = method.config().raw().get("adapter_name");
        Map<String, Tensor> heads = TrainingRun.heads(objective, model);
        if (owner.name().equals(method.name()) && (name == null || name.equals("default"))) {
            Runnable restoreHeads = AdapterHeads.read(Adapters.resolve(adapter), heads);   // the heads it saved (modules_to_save)
            tuner.configureFrom(Adapters.resolve(adapter), model, objective.head());
            restoreHeads.run();
        } else {
            Adapters.apply(fineTuners, model, heads, adapter, "saved", true);
            tuner.configure(model, objective.head());
        }
    }

    private Forgetting forgetting(Config section, Path configDir, ObjectiveContext ctx, Config train, long seed,
                                  ResolvedConfig resolved) throws IOException {
        Object spec = section.raw().get("objective");
        if (spec == null) throw section.error("objective", "is required: the pretraining objective to measure (e.g. mlm or clm)");
        section.has("objective");
        NamedSpec s = resolved.put("finetune.forgetting.objective", NamedSpec.parse(spec, "finetune.forgetting objective"));
        ObjectiveFactory f = objectives.get(s.name());
        if (f == null) throw section.error("objective", "names unknown objective '" + s.name() + "' (known: " + String.join(", ", new TreeSet<>(objectives.keySet())) + ")");
        Objective o = f.create(s.config(), ctx);
        s.config().finish();
        var data = PipelineInputs.dataset(section, configDir, "data");
        int batches = section.getInt("batches", 20);
        int batchSize = section.getInt("batch_size", intOf(train, "batch_size", 16));
        int seqLen = section.getInt("seq_len", intOf(train, "seq_len", 128));
        section.finish();
        return new Forgetting(o, data, new dev.kiln.api.objective.BatchSpec(batchSize, seqLen), batches, seed);
    }

    private static int intOf(Config c, String key, int dflt) {
        Object v = c.raw().get(key);
        return v instanceof Number n ? n.intValue() : v == null ? dflt : Integer.parseInt(v.toString().trim());
    }

    private Objective objective(Config root, ObjectiveContext ctx, ResolvedConfig resolved) {
        boolean one = root.has("objective"), many = root.has("objectives");
        if (one == many) throw new ConfigException("pipeline: give exactly one of 'objective' (a name or map) or 'objectives' (a weighted list)");
        List<NamedSpec> specs = NamedSpec.parseList(root.raw().get(one ? "objective" : "objectives"), "objective");
        List<Objective> made = new ArrayList<>();
        double[] weights = new double[specs.size()];
        for (int i = 0; i < specs.size(); i++) {
            NamedSpec s = resolved.put(one ? "objective" : "objectives." + i, specs.get(i));
            ObjectiveFactory f = objectives.get(s.name());
            if (f == null) throw new ConfigException("unknown objective '" + s.name() + "' (known: " + String.join(", ", new TreeSet<>(objectives.keySet())) + ")");
            made.add(f.create(s.config(), ctx));
            s.config().finish();
            weights[i] = s.weight();
        }
        return made.size() == 1 && !many ? made.get(0) : new CompositeObjective(made, weights);
    }

    /** A fine-tuning signal: a SIGNAL-role method (sft, dpo, ...) or any objective by name. */
    private Objective signal(Object spec, ObjectiveContext ctx, ResolvedConfig resolved) {
        NamedSpec s = resolved.put("finetune.signal", NamedSpec.parse(spec, "finetune signal"));
        if (fineTuners.containsKey(s.name())) {
            Objective o = fineTuner(s, FineTunerFactory.Role.SIGNAL, ctx).signal();
            if (o == null) throw new ConfigException("finetune signal '" + s.name() + "' provides no objective");
            return o;
        }
        ObjectiveFactory f = objectives.get(s.name());
        if (f == null) throw new ConfigException("unknown finetune signal '" + s.name() + "' (signals: "
                + String.join(", ", new TreeSet<>(fineTuners.keySet())) + "; objectives: " + String.join(", ", new TreeSet<>(objectives.keySet())) + ")");
        Objective o = f.create(s.config(), ctx);
        s.config().finish();
        return o;
    }

    private FineTuner fineTuner(NamedSpec s, FineTunerFactory.Role role, ObjectiveContext ctx) {
        return fineTuner(s, role, ctx, PeftNames.KILN);
    }

    /** @param modelNames the Hugging Face family of finetune.from, the default module names of saved adapters */
    private FineTuner fineTuner(NamedSpec s, FineTunerFactory.Role role, ObjectiveContext ctx, PeftNames modelNames) {
        FineTunerFactory f = fineTuners.get(s.name());
        if (f == null) throw new ConfigException("unknown fine-tuning method '" + s.name() + "' (known: " + String.join(", ", new TreeSet<>(fineTuners.keySet())) + ")");
        if (f.role() != role) throw new ConfigException("fine-tuning method '" + s.name() + "' is a " + f.role() + " method, expected " + role);
        FineTuner t = f.create(s.config(), ctx, modelNames);
        s.config().finish();
        return t;
    }

    private static Config withDefaultVocab(Config model, Tokenizer tok) {
        if (model.raw().containsKey("vocab")) return model;
        Map<String, Object> m = new java.util.LinkedHashMap<>(model.raw());
        m.put("vocab", tok.vocabSize());
        return new Config(model.section(), m);
    }
}
