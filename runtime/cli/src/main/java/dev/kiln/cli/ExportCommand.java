package dev.kiln.cli;

import dev.kiln.api.finetune.LoadedAdapter;
import dev.kiln.runtime.adapter.Adapters;
import dev.kiln.runtime.guice.KilnPlugins;
import dev.kiln.runtime.hf.ByteSize;
import dev.kiln.runtime.hf.ExportSource;
import dev.kiln.runtime.hf.HfCheckpoints;
import dev.kiln.runtime.hf.HfExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kiln export --model DIR --format hf --out DIR [--merge-adapter DIR]}: a Kiln model directory in
 * Hugging Face's layout, or a Hugging Face one written again (as its own class, or another with
 * --architecture), optionally with a saved adapter merged into it first.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a Kiln model directory (e.g. a run's 'model' folder), or a Hugging Face one again, optionally with a"
                + " saved adapter merged in (--merge-adapter), as a directory that transformers'"
                + " AutoModel*.from_pretrained loads: config.json, safetensors with Hugging Face's tensor names (sharded as"
                + " model-00001-of-0000N.safetensors + model.safetensors.index.json above --max-shard-size), tokenizer.json,"
                + " tokenizer_config.json, special_tokens_map.json and, for a causal LM, generation_config.json.",
                "The class defaults from the model: a causal model as its family's LM (GPT2LMHeadModel, LlamaForCausalLM);"
                        + " an encoder as BertForPreTraining / BertForMaskedLM when it has those heads, else BertModel; an sft"
                        + " classifier with 'pooler: bert' as BertForSequenceClassification (labels in id2label). Other heads"
                        + " (e.g. a mean-pooled classifier) go to kiln_head.safetensors, described in config.json under 'kiln'.",
                "The output directory is replaced whole once complete; one that exists must be empty or an earlier export."},
        footer = {"", "Examples:", "  kiln export --model runs/sst2-full/model --format hf --out runs/sst2-full/hf",
                "  kiln export --model hub/bert-base-uncased --merge-adapter runs/sst2-lora/adapter --out runs/sst2-lora/merged"})
final class ExportCommand implements Callable<Integer> {
    private static final Pattern SHARD = Pattern.compile("model-(\\d+)-of-(\\d+)\\.safetensors");

    @ParentCommand
    KilnCli root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "Kiln model directory (config.json with a 'model' section, model.safetensors, tokenizer.json), or a"
                    + " Hugging Face one (written again, as its own class unless --architecture names another; loading warnings"
                    + " go to stderr, and heads it had to initialize are left out).")
    Path model;

    @Option(names = {"--merge-adapter", "--adapter"}, paramLabel = "DIR",
            description = "Merge a saved adapter into the model first (PEFT layout: adapter_config.json + adapter_model.safetensors,"
                    + " or a fine-tuning run's folder holding adapter/), loaded by the plugin for its peft_type; the task heads it saved"
                    + " (modules_to_save) replace the model's. LoRA and IA3 merge; a soft prompt or key/value prefix cannot and is refused.")
    Path adapter;

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = HfExport.FORMAT,
            description = "Output format: hf (Hugging Face transformers; the only one, default).")
    String format;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "Directory to write.")
    Path out;

    @Option(names = "--architecture", paramLabel = "NAME",
            description = "The transformers class to write, e.g. GPT2LMHeadModel, GPT2Model, BertModel, BertForMaskedLM,"
                    + " BertForSequenceClassification, LlamaForCausalLM (default: from the model and its heads; a Hugging Face"
                    + " directory's own class).")
    String architecture;

    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "5GB",
            description = "Largest weights file before sharding, as transformers: 5GB = 5·10^9 bytes, 2GiB, 500MB (default: ${DEFAULT-VALUE}).")
    String maxShardSize;

    @Option(names = "--quantize", paramLabel = "TYPE",
            description = "Write the backbone's linear weights in bitsandbytes' 4-bit layout, as transformers saves a model loaded with"
                    + " load_in_4bit: nf4 or fp4 (embeddings, LM head and norms stay float; config.json gets quantization_config).")
    String quantize;

    @Option(names = "--double-quant", description = "With --quantize: quantize the block scales too (8-bit, blocks of 256; bnb_4bit_use_double_quant).")
    boolean doubleQuant;

    @Option(names = "--blocksize", paramLabel = "N", defaultValue = "64",
            description = "With --quantize: elements per 4-bit block, a power of two in [32, 4096] (default: ${DEFAULT-VALUE}).")
    int blocksize;

    @Override
    public Integer call() throws IOException {
        if (quantize == null && doubleQuant) throw new IllegalArgumentException("--double-quant: applies only with --quantize nf4|fp4");
        if (quantize != null && !quantize.equals("nf4") && !quantize.equals("fp4"))
            throw new IllegalArgumentException("--quantize: unknown type '" + quantize + "' (known: nf4, fp4)");
        if (!format.equals(HfExport.FORMAT))
            throw new IllegalArgumentException("--format: unknown format '" + format + "' (known: " + HfExport.FORMAT + ")");
        if (architecture != null && !HfCheckpoints.standard().architectures().contains(architecture))
            throw new IllegalArgumentException("--architecture: unknown architecture '" + architecture + "' (known: "
                    + String.join(", ", HfCheckpoints.standard().architectures()) + ")");
        long shardBytes;
        try {
            shardBytes = ByteSize.parse(maxShardSize);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--max-shard-size: " + e.getMessage(), e);
        }
        HfExport.Options options = new HfExport.Options(architecture, shardBytes);
        if (quantize != null) {
            try {
                options = options.withQuantize(new HfExport.Quantize(quantize, doubleQuant, blocksize));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--blocksize: " + e.getMessage(), e);
            }
        }
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try (Session session = Session.open(root, null, Map.of(), WriterStream.of(err))) {
            ExportSource source = ExportSource.read(model, out, session.backend());
            source.warnings().forEach(err::println);
            err.flush();
            if (adapter != null) mergeAdapter(session, source);
            HfExport.Result r = HfExport.export(source, model, out, options);
            stdout.println("exported " + model + (adapter == null ? "" : " with " + Adapters.resolve(adapter) + " merged") + " as " + r.architecture() + " to " + r.dir() + ": " + String.join(", ", folded(r.files())));
            if (!r.separateHeads().isEmpty())
                stdout.println("heads transformers has no class for are in " + HfExport.HEAD_FILE + ": " + String.join(", ", r.separateHeads()));
            stdout.flush();
        }
        return 0;
    }

    /** Applies --merge-adapter to the loaded model and its heads, merged; refuses adapters that cannot merge. */
    private void mergeAdapter(Session session, ExportSource source) throws IOException {
        LoadedAdapter a = Adapters.apply(session.get(KilnPlugins.class).fineTuners(), source.model(), source.heads(), adapter, false);
        if (!a.mergeAndUnload())
            throw new IllegalArgumentException("--merge-adapter: " + Adapters.resolve(adapter) + " is a " + a.peftType() + " adapter: a soft prompt"
                    + " or key/value prefix has no weights to merge into, and an exported model has no place for it (use it with"
                    + " 'kiln generate --adapter', or export the fine-tuning run's model/ directory, which records it)");
    }

    /** The file names with shards folded: model-{00001..00022}-of-00022.safetensors. */
    static List<String> folded(List<String> files) {
        List<String> shards = files.stream().filter(f -> SHARD.matcher(f).matches()).toList();
        if (shards.size() < 2) return files;
        List<String> out = new ArrayList<>();
        for (String f : files) {
            if (!SHARD.matcher(f).matches()) out.add(f);
            else if (f.equals(shards.get(0))) {
                Matcher m = SHARD.matcher(f);
                m.matches();
                out.add("model-{" + m.group(1) + ".." + m.group(2) + "}-of-" + m.group(2) + ".safetensors");
            }
        }
        return out;
    }
}
