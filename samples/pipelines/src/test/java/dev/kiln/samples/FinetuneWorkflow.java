package dev.kiln.samples;

import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The supervised fine-tuning workflow on generated SST-2-shaped files: pretrain a tiny encoder
 * with MLM on the training sentences, then fine-tune it with a sample sst2-*.yaml config pointed
 * at the generated files. The fine-tuning plugins come from a plugin folder, as in a distribution.
 */
final class FinetuneWorkflow {
    final Path dir, train, test, plugins;
    final double majority;

    FinetuneWorkflow(Path dir) throws IOException {
        this.dir = dir;
        this.train = dir.resolve("train.tsv");
        this.test = dir.resolve("test.tsv");
        SentimentFiles.write(train, 2400, 11);
        this.majority = SentimentFiles.write(test, 400, 12);
        this.plugins = dir.resolve("plugins");
        for (String jar : List.of("kiln-objective-mlm", "kiln-finetune-sft", "kiln-finetune-lora",
                "kiln-finetune-ia3", "kiln-finetune-prompt-tuning", "kiln-finetune-prefix-tuning", "kiln-finetune-bitfit")) {
            Path to = plugins.resolve(jar).resolve(jar + ".jar");
            Files.createDirectories(to.getParent());
            Files.copy(Path.of("target/dropin/" + jar + ".jar"), to);
        }
    }

    /** A tiny BERT-style encoder pretrained with MLM on the training sentences: the model directory. */
    Path pretrain() throws IOException {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("seed", 7);
        cfg.put("tokenizer", Map.of("type", "bpe", "train_on", train.toString(), "vocab_size", 400));   // whole words, as with SST-2
        cfg.put("model", Map.of("preset", "bert", "d_model", 64, "layers", 2, "heads", 2, "max_seq", 64, "dropout", 0.1, "pre_norm", true));
        cfg.put("data", Map.of("train", train.toString(), "rename", Map.of("sentence", "text"), "validation_fraction", 0.05));
        cfg.put("objective", Map.of("name", "mlm", "pack", true));
        cfg.put("train", Map.of("steps", 400, "batch_size", 16, "seq_len", 64, "lr", 0.003, "warmup", 40,
                "eval_every", 0, "checkpoint_every", 0, "log_every", 50));
        Path out = dir.resolve("pre");
        pipeline().pretrain(cfg, dir, out, TrainingListener.NONE);
        return out.resolve("model");
    }

    /** Fine-tunes with a shipped sst2-*.yaml, re-pointed at the generated files and shrunk. */
    PipelineResult finetune(String config, Path from, Path out, String... more) throws IOException {
        List<String> o = new ArrayList<>(List.of("finetune.from=" + from, "data.train=" + train, "data.test=" + test,
                "data.validation_fraction=0.1", "finetune.forgetting.data=" + test, "finetune.forgetting.rename.sentence=text",
                "finetune.forgetting.batches=8", "train.steps=300", "train.batch_size=16", "train.warmup=20",
                "train.eval_every=25", "train.log_every=25"));
        o.addAll(List.of(more));
        return pipeline().finetune(Runs.config(config, o), Runs.CONFIGS, out, TrainingListener.NONE);
    }

    private Pipeline pipeline() {
        return Runs.injector(plugins).getInstance(Pipeline.class);
    }
}
