package dev.kiln.runtime.hf;

import dev.kiln.api.nn.TransformerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which transformers class a Kiln model exports as, and which of its heads that class holds.
 * Asked for by name, or by default: a causal model as its family's LM class; an encoder as the
 * class whose heads it has (BertForPreTraining with mlm + nsp heads, BertForMaskedLM with an mlm
 * head, else BertModel); a {@code sft} classifier with BERT's pooler as
 * BertForSequenceClassification. The family is the first layout whose class can hold the backbone.
 * Heads the class does not hold are left for {@code kiln_head.safetensors}.
 *
 * @param architecture the class written into config.json
 * @param layout       the backbone's layout
 * @param layoutArch   the layout's class the backbone is written as (the base class for a classifier)
 * @param task         the sequence classifier, or null
 * @param extras       heads (Kiln names) written by the layout, under the names the layout expects
 * @param used         head names (Kiln's) the export holds in its weights
 */
record ExportPlan(String architecture, HfLayout layout, String layoutArch, SequenceClassification task,
                  Map<String, String> extras, Set<String> used) {

    static ExportPlan choose(HfCheckpoints hf, TransformerConfig cfg, Set<String> heads, String requested) throws HfCheckpointException {
        if (requested != null) return named(hf, cfg, heads, requested);
        List<String> problems = new ArrayList<>();
        if (hasClassifierWithPooler(heads))
            for (HfLayout l : hf.layouts()) {
                SequenceClassification task = SequenceClassification.forModelType(l.modelType());
                if (task != null && fits(l, cfg, task.baseArchitecture, problems)) return classifier(l, task);
            }
        for (HfLayout l : hf.layouts()) {
            String best = null;
            int bestGroups = -1;
            for (String arch : l.architectures()) {
                if (cfg.causal() != isLanguageModel(arch) || (cfg.causal() && l.isBaseModel(arch))) continue;
                int groups = l.requiredGroups(arch).size();
                if (groups > bestGroups && missingHeads(l, cfg, arch, heads).isEmpty()) {
                    best = arch;
                    bestGroups = groups;
                }
            }
            if (best != null && fits(l, cfg, best, problems)) return forLayout(l, cfg, best, heads);
        }
        throw new HfCheckpointException("no Hugging Face architecture can hold this model (" + HfWeights.describe(cfg)
                + (cfg.causal() ? ", causal" : ", bidirectional") + "): " + String.join("; ", problems));
    }

    private static ExportPlan named(HfCheckpoints hf, TransformerConfig cfg, Set<String> heads, String arch) throws HfCheckpointException {
        SequenceClassification task = SequenceClassification.named(List.of(arch));
        if (task != null) {
            if (!hasClassifierWithPooler(heads))
                throw new HfCheckpointException(arch + " needs the sft classification head with BERT's pooler (sft.pooler.*, "
                        + "sft.classifier.*: fine-tune with signal sft, pooler: bert); the model has heads " + new TreeSet<>(heads));
            HfLayout l = hf.find(task.baseArchitecture);
            l.toHf(cfg, task.baseArchitecture);
            return classifier(l, task);
        }
        HfLayout l = hf.find(arch);
        if (l == null)
            throw new HfCheckpointException("unknown architecture '" + arch + "' (known: " + String.join(", ", hf.architectures()) + ")");
        l.toHf(cfg, arch);
        Set<String> missing = missingHeads(l, cfg, arch, heads);
        if (!missing.isEmpty())
            throw new HfCheckpointException(arch + " needs heads the model does not have: " + missing + " (it has " + new TreeSet<>(heads) + ")");
        return forLayout(l, cfg, arch, heads);
    }

    private static ExportPlan classifier(HfLayout l, SequenceClassification task) {
        Map<String, String> extras = new LinkedHashMap<>();
        extras.put(SequenceClassification.POOLER_WEIGHT, task.basePoolerName("weight"));
        extras.put(SequenceClassification.POOLER_BIAS, task.basePoolerName("bias"));
        Set<String> used = new LinkedHashSet<>(extras.keySet());
        used.add(SequenceClassification.CLASSIFIER_WEIGHT);
        used.add(SequenceClassification.CLASSIFIER_BIAS);
        return new ExportPlan(task.architecture, l, task.baseArchitecture, task, extras, used);
    }

    /** The layout's required groups, and optional groups the model has whole. */
    private static ExportPlan forLayout(HfLayout l, TransformerConfig cfg, String arch, Set<String> heads) {
        Map<String, String> extras = new LinkedHashMap<>();
        Set<String> groups = new LinkedHashSet<>(l.requiredGroups(arch));
        for (String g : l.optionalGroups(arch)) if (heads.containsAll(groupTargets(l, cfg, arch, g))) groups.add(g);
        for (String g : groups) for (String t : groupTargets(l, cfg, arch, g)) extras.put(t, t);
        return new ExportPlan(arch, l, arch, null, extras, extras.keySet());
    }

    private static boolean fits(HfLayout l, TransformerConfig cfg, String arch, List<String> problems) {
        try {
            l.toHf(cfg, arch);
            return true;
        } catch (HfCheckpointException e) {
            problems.add(e.getMessage());
            return false;
        }
    }

    private static Set<String> missingHeads(HfLayout l, TransformerConfig cfg, String arch, Set<String> heads) {
        Set<String> missing = new TreeSet<>();
        for (String g : l.requiredGroups(arch)) for (String t : groupTargets(l, cfg, arch, g)) if (!heads.contains(t)) missing.add(t);
        return missing;
    }

    private static Set<String> groupTargets(HfLayout l, TransformerConfig cfg, String arch, String group) {
        Set<String> out = new LinkedHashSet<>();
        for (TensorMapping m : l.mappings(cfg, arch, "")) if (group.equals(m.group())) out.add(m.target());
        return out;
    }

    private static boolean hasClassifierWithPooler(Set<String> heads) {
        return heads.contains(SequenceClassification.CLASSIFIER_WEIGHT) && heads.contains(SequenceClassification.POOLER_WEIGHT);
    }

    private static boolean isLanguageModel(String arch) {
        return arch.endsWith("LMHeadModel") || arch.endsWith("ForCausalLM");
    }
}
