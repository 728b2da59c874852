package dev.kiln.cli;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kiln bench --generate}: rollouts per row count on a toy shape, and the errors for what cannot run. */
class GenerateBenchTest {
    @TempDir
    Path plugins;

    private Cli bench(String... more) throws Exception {
        String[] toy = {"bench", "--generate", "--config", "tiny", "--vocab", "40", "--d-model", "16", "--layers", "1", "--heads", "2",
                "--seq", "12", "--threads", "1", "--backend", "cpu", "--plugins", plugins.toString(), "--warmup", "0", "--rollouts", "1",
                "--tag", "unit"};
        String[] all = java.util.Arrays.copyOf(toy, toy.length + more.length);
        System.arraycopy(more, 0, all, toy.length, more.length);
        return Cli.run(all);
    }

    @Test
    void oneJsonLinePerRowCountWithItsRolloutSplitIntoPromptAndDecodeSteps() throws Exception {
        Cli r = bench("--rows", "1,3", "--prompt", "4", "--new-tokens", "5");
        assertEquals(0, r.code(), r.err());
        List<String> json = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(2, json.size(), r.out());
        for (int i = 0; i < 2; i++) {
            Map<?, ?> m = (Map<?, ?>) Json.parse(json.get(i), "bench output");
            JsonObject line = JsonObject.of(m, "bench output");
            assertEquals(i == 0 ? 1 : 3, line.integer("rows"));
            assertEquals("kiln", line.string("impl"));
            assertEquals("unit", line.string("tag"));
            assertEquals(4, line.integer("prompt"));
            assertEquals(5, line.integer("new_tokens"));
            assertEquals(12, line.integer("T"));
            double tokS = ((Number) m.get("sampled_tok_s")).doubleValue(), rollout = ((Number) m.get("rollout_ms")).doubleValue();
            double prompt = ((Number) m.get("prompt_ms")).doubleValue(), step = ((Number) m.get("decode_step_ms")).doubleValue();
            assertTrue(tokS > 0 && rollout > 0 && prompt > 0, m.toString());
            // each figure is rounded (ms to 0.01, tokens/s to 0.1): the tolerances are those roundings carried through
            assertEquals(line.integer("rows") * 5 * 1000.0 / rollout, tokS, 0.051 + tokS * 0.0051 / rollout, "tokens over the rollout's time");
            assertEquals((rollout - prompt) / 4, step, 0.0076, "what is left of the rollout after its prompt pass, per decode step");
        }
        assertTrue(r.out().contains("sampled tok/s") && r.out().contains("decode step ms"), r.out());
    }

    @Test
    void aRolloutLongerThanTheModelsPositionsIsRefusedByName() throws Exception {
        Cli r = bench("--rows", "2", "--prompt", "8", "--new-tokens", "5");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--prompt 8 plus --new-tokens 5 exceeds tiny's 12 positions"), r.err());
        Cli none = bench("--rows", "0");
        assertNotEquals(0, none.code());
        assertTrue(none.err().contains("--rows must list row counts of at least 1"), none.err());
        Cli both = bench("--finetune", "lora");
        assertNotEquals(0, both.code());
        assertTrue(both.err().contains("--generate and --finetune"), both.err());
    }
}
