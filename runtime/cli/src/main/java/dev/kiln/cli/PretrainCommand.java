package dev.kiln.cli;

import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.train.TrainingListener;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** {@code kiln pretrain --config FILE [--out DIR] [key=value ...]}. */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pretrain a model from scratch (or on from model.init_from) as a pipeline config describes (tokenizer, model, data,"
                + " objective(s), train).",
                "'model.init_from: DIR' continues pretraining from a saved model instead: a Kiln model directory or a"
                        + " Hugging Face one (config.json + safetensors). Its weights, shape, tokenizer and any saved head of"
                        + " the objective are used; other 'model' keys must match it, except dropout.",
                "Progress goes to stderr; held-out metrics at the start and end (e.g. 'held-out perplexity: 241.3 → 3.12')"
                        + " and, when the config has a 'generate' section (prompt, max_new_tokens, temperature, top_k,"
                        + " top_p, seed), a sample from the trained model go to stdout."},
        footer = {"", "Example:", "  kiln pretrain --config samples/pipelines/tiny-clm.yaml train.steps=300 --out runs/tiny"})
final class PretrainCommand extends TrainingCommand {
    @Override
    PipelineResult run(Pipeline pipeline, Map<String, Object> config, Path configDir, Path outDir,
                       TrainingListener listener) throws IOException {
        return pipeline.pretrain(config, configDir, outDir, listener);
    }
}
