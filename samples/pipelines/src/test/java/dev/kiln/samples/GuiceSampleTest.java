package dev.kiln.samples;

import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.samples.guice.GuicePipelineSample;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-code pipeline: the user's module adds "clm-smoothed" and receives Kiln's meters. */
class GuiceSampleTest {

    @Test
    void userModuleAddsAnObjectiveAndReceivesTheMeters(@TempDir Path out) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PipelineResult r = GuicePipelineSample.run(Runs.locate("samples/corpus").resolve("kiln-stories.txt"), out, 40, registry);
        assertEquals(40 * 8 * 64, (long) registry.get("kiln.train.tokens").tag("backend", "cpu").counter().count());
        assertEquals(40, registry.get("kiln.train.step").timer().count());
        assertTrue(registry.get("kiln.eval.loss").gauge().value() > 0);
        assertTrue(r.finalEval().get("perplexity") < r.initialEval().get("perplexity") / 4,
                "perplexity " + r.initialEval() + " -> " + r.finalEval());
    }
}
