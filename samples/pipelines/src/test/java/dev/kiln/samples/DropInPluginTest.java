package dev.kiln.samples;

import com.google.inject.Injector;
import dev.kiln.api.plugin.PluginKind;
import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.plugin.DiscoveredPlugin;
import dev.kiln.runtime.plugin.PluginRegistry;
import dev.kiln.runtime.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A researcher's objective, built as its own jar (samples/custom-objective), dropped into a plugins
 * directory and used by name, with no rebuild of Kiln.
 */
class DropInPluginTest {
    static final Path JAR = Path.of("target/dropin/kiln-sample-custom-objective.jar");

    @Test
    void droppedInObjectiveIsDiscoveredAndTrainsByName(@TempDir Path tmp) throws Exception {
        assertTrue(Files.isRegularFile(JAR), "build the sample jar first (mvn verify does): " + JAR.toAbsolutePath());
        Path plugins = tmp.resolve("plugins");
        Files.createDirectories(plugins.resolve("reverse-lm"));
        Files.copy(JAR, plugins.resolve("reverse-lm/reverse-lm.jar"));

        Injector injector = Runs.injector(plugins);
        PluginRegistry registry = injector.getInstance(PluginRegistry.class);
        DiscoveredPlugin p = registry.find(PluginKind.OBJECTIVE, "reverse-lm").orElseThrow();
        assertTrue(p.source().endsWith("reverse-lm.jar"), p.source());
        assertFalse(p.fromClasspath());
        assertEquals("org.example.kiln.reverse.ReverseLmFactory", p.factory(dev.kiln.api.objective.ObjectiveFactory.class).getClass().getName());
        assertTrue(p.factory(dev.kiln.api.objective.ObjectiveFactory.class).getClass().getClassLoader()
                instanceof dev.kiln.runtime.plugin.PluginClassLoader);

        PipelineResult r = injector.getInstance(Pipeline.class).pretrain(
                Runs.config("gpt-stories.yaml", Runs.tiny("objective=reverse-lm", "train.steps=30", "train.eval_every=30", "train.lr=0.003")),
                Runs.CONFIGS, tmp.resolve("run"), TrainingListener.NONE);
        double before = r.initialEval().get("perplexity"), after = r.finalEval().get("perplexity");
        assertTrue(after < before / 4, "the dropped-in objective trains: perplexity " + before + " -> " + after);
        registry.close();
    }

    @Test
    void withoutTheJarTheObjectiveIsUnknown(@TempDir Path tmp) throws Exception {
        Injector injector = Runs.injector(tmp);
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.kiln.api.config.ConfigException.class, () ->
                injector.getInstance(Pipeline.class).pretrain(Runs.config("gpt-stories.yaml", Runs.tiny("objective=reverse-lm")),
                        Runs.CONFIGS, tmp.resolve("run"), TrainingListener.NONE));
        assertTrue(e.getMessage().contains("unknown objective 'reverse-lm'") && e.getMessage().contains("clm"), e.getMessage());
    }
}
