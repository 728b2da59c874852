package dev.kiln.samples;

import com.google.inject.Injector;
import dev.kiln.runtime.config.PipelineConfigLoader;
import dev.kiln.runtime.guice.Kiln;
import dev.kiln.runtime.guice.KilnOptions;
import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs sample pipelines in tests: the shipped config with overrides, on the CPU backend. */
final class Runs {
    static final Path CONFIGS = locate("samples/configs");

    private Runs() {}

    /** A small, fast variant of the README's pipeline. */
    static List<String> tiny(String... more) {
        List<String> o = new ArrayList<>(List.of("model.d_model=64", "model.layers=2", "model.heads=2", "model.max_seq=64",
                "train.seq_len=64", "train.batch_size=8", "train.eval_every=0", "train.eval_batches=8",
                "train.warmup=10", "train.checkpoint_every=0", "train.log_every=1"));
        o.addAll(List.of(more));
        return o;
    }

    static Map<String, Object> config(String name, List<String> overrides) {
        return PipelineConfigLoader.load(CONFIGS.resolve(name), overrides);
    }

    static Injector injector(Path pluginDir) {
        KilnOptions options = KilnOptions.defaults().withBackendFlag("cpu").withEnv(Map.of());
        if (pluginDir != null) options = options.withPluginDir(pluginDir);
        return Kiln.injector(options);
    }

    static PipelineResult pretrain(String config, List<String> overrides, Path out) throws IOException {
        return injector(null).getInstance(Pipeline.class).pretrain(config(config, overrides), CONFIGS, out, TrainingListener.NONE);
    }

    /** The repository root, found from the test's working directory (the module). */
    static Path locate(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve(relative))) dir = dir.getParent();
        if (dir == null) throw new IllegalStateException("cannot find " + relative + " above " + Path.of("").toAbsolutePath());
        return dir.resolve(relative);
    }
}
