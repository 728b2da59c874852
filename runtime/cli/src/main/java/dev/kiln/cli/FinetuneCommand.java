package dev.kiln.cli;

import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.train.TrainingListener;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** {@code kiln finetune --config FILE [--out DIR] [key=value ...]}. */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a saved model as a pipeline config describes: 'finetune.from' names the model"
                + " directory (Kiln's, or Hugging Face's: config.json + safetensors + tokenizer files), 'finetune.method'"
                + " what trains (full, ...) and 'finetune.signal' or 'objective' what trains it.",
                "A head the directory has (a BertForSequenceClassification's pooler + classifier and id2label) becomes the"
                        + " sft head; one it lacks is initialized and reported. 'finetune.export: hf' also writes OUT/hf,"
                        + " as 'kiln export' does.",
                "Progress goes to stderr; held-out metrics before → after and, when the config has a 'generate'"
                        + " section, a sample go to stdout."},
        footer = {"", "Example:", "  kiln finetune --config samples/pipelines/finetune-full.yaml finetune.from=runs/tiny/model"})
final class FinetuneCommand extends TrainingCommand {
    @Override
    PipelineResult run(Pipeline pipeline, Map<String, Object> config, Path configDir, Path outDir,
                       TrainingListener listener) throws IOException {
        return pipeline.finetune(config, configDir, outDir, listener);
    }
}
