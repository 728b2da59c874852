package dev.kiln.samples.guice;

import com.google.inject.Injector;
import dev.kiln.runtime.guice.Kiln;
import dev.kiln.runtime.guice.KilnOptions;
import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.plugin.PluginRegistry;
import dev.kiln.runtime.train.TrainingListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pipeline configured in code instead of a YAML file: the same keys as a config file, built as
 * maps, run through an injector that includes the user's {@link StoriesModule}.
 *
 * <pre>java -cp ... dev.kiln.samples.guice.GuicePipelineSample samples/corpus/kiln-stories.txt runs/guice [steps]</pre>
 */
public final class GuicePipelineSample {
    private GuicePipelineSample() {}

    public static Map<String, Object> config(Path corpus, int steps) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("seed", 7);
        c.put("tokenizer", Map.of("type", "byte"));
        c.put("model", Map.of("preset", "gpt2", "d_model", 64, "layers", 2, "heads", 2, "max_seq", 64));
        c.put("data", Map.of("train", corpus.toAbsolutePath().toString(), "validation_fraction", 0.05));
        c.put("objective", Map.of("name", "clm-smoothed"));
        c.put("train", Map.of("steps", steps, "batch_size", 8, "seq_len", 64, "lr", 0.003, "warmup", 10,
                "eval_every", steps, "eval_batches", 8));
        return c;
    }

    /** Runs the pipeline; returns the result, with Kiln's meters in {@code registry}. */
    public static PipelineResult run(Path corpus, Path out, int steps, MeterRegistry registry) throws Exception {
        Injector injector = Kiln.injector(KilnOptions.defaults().withEnv(Map.of()), new StoriesModule(registry));
        try (PluginRegistry plugins = injector.getInstance(PluginRegistry.class)) {
            return injector.getInstance(Pipeline.class).pretrain(config(corpus, steps), Path.of("."), out, TrainingListener.NONE);
        }
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        Path corpus = Path.of(a.isEmpty() ? "samples/corpus/kiln-stories.txt" : a.get(0));
        Path out = Path.of(a.size() > 1 ? a.get(1) : "runs/guice-sample");
        int steps = a.size() > 2 ? Integer.parseInt(a.get(2)) : 200;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PipelineResult r = run(corpus, out, steps, registry);
        System.out.printf("held-out perplexity %.2f -> %.2f; %s tokens trained%n", r.initialEval().get("perplexity"),
                r.finalEval().get("perplexity"), (long) registry.get("kiln.train.tokens").counter().count());
    }
}
