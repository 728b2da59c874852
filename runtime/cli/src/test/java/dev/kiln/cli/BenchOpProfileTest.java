package dev.kiln.cli;

import dev.kiln.api.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kiln bench --op-profile}: the timed steps' ops, phase by phase, without changing what the steps compute. */
class BenchOpProfileTest {
    @TempDir
    Path plugins;

    private static final String[] TOY = {"--config", "tiny", "--steps", "3", "--warmup", "1", "--infer-steps", "2", "--infer-warmup", "1",
            "--no-sgemm", "--vocab", "40", "--d-model", "16", "--layers", "1", "--heads", "2", "--seq", "8", "--batch", "2",
            "--threads", "1", "--backend", "cpu"};

    private Cli bench(String... extra) throws Exception {
        String[] args = Stream.of(new String[] {"bench"}, TOY, new String[] {"--plugins", plugins.toString()}, extra)
                .flatMap(Stream::of).toArray(String[]::new);
        return Cli.run(args);
    }

    private static Map<?, ?> json(Cli r) throws Exception {
        return (Map<?, ?>) Json.parse(r.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(), "bench output");
    }

    private static double num(Object o) { return ((Number) o).doubleValue(); }

    @Test
    void everyPhasesOpsAreListedWithinThePhasesTimeAndTheStepsComputeTheSame() throws Exception {
        Cli plain = bench(), profiled = bench("--op-profile");
        assertEquals(0, plain.code(), plain.err());
        assertEquals(0, profiled.code(), profiled.err());
        Map<?, ?> p = json(plain), m = json(profiled);
        assertEquals(p.get("loss_first"), m.get("loss_first"));
        assertEquals(p.get("loss_last"), m.get("loss_last"), "the same 4 steps from the same seed");
        assertFalse(p.containsKey("ops") || plain.out().contains("op by op"), "only with the option: " + plain.out());

        Map<?, ?> phaseMs = (Map<?, ?>) m.get("op_phase_ms");
        assertEquals(List.of("forward", "backward", "optimizer", "forward-only"), List.copyOf(phaseMs.keySet().stream().map(Object::toString).toList()));
        List<?> ops = (List<?>) m.get("ops");
        for (Object k : phaseMs.keySet()) {
            double sum = 0;
            int n = 0;
            for (Object o : ops) {
                Map<?, ?> op = (Map<?, ?>) o;
                if (!op.get("phase").equals(k)) continue;
                assertTrue(num(op.get("ms")) >= 0 && num(op.get("calls")) > 0, op.toString());
                sum += num(op.get("ms"));
                n++;
            }
            assertTrue(n > 0, "ops of " + k + ": " + ops);
            // every op is timed inside its phase (each rounded to 0.001 ms)
            assertTrue(sum <= num(phaseMs.get(k)) + 0.0005 * n, k + ": ops " + sum + " ms in a phase of " + phaseMs.get(k));
        }
        // one block (B·T = 16 rows, width 16): qkv, output, MLP up and down; the tied head a product; once a step each
        assertEquals(1.0, calls(ops, "forward", "linear 16×16→48"));
        assertEquals(1.0, calls(ops, "forward-only", "linear 16×16→64"));
        assertEquals(1.0, calls(ops, "backward", "linearBackward 16×64→16 + bias"));
        assertEquals(1.0, calls(ops, "backward", "linearBackward 16×16→48 + bias"));
        assertEquals(0.0, calls(ops, "backward", "linearBackward 16×48→16 + bias"), "rows × in → out: " + ops);
        assertEquals(1.0, calls(ops, "forward", "matmul 16×40×16 A·Bᵀ"));
        // one update per parameter tensor: two embeddings, the block's two norms and four linears (weight and bias each), the final norm
        assertEquals(2 + 12 + 2, calls(ops, "optimizer", "adamw"));
        assertTrue(profiled.out().contains("tiny: a timed step op by op") && profiled.out().contains("linearBackward 16×64→16")
                && profiled.out().contains("(outside the backend's ops)"), profiled.out());
    }

    private static double calls(List<?> ops, String phase, String op) {
        for (Object o : ops) {
            Map<?, ?> m = (Map<?, ?>) o;
            if (m.get("phase").equals(phase) && m.get("op").equals(op)) return num(m.get("calls"));
        }
        return 0;
    }

    @Test
    void itProfilesOneModelsPretrainingSteps() throws Exception {
        Cli replicas = bench("--op-profile", "--replicas", "2");
        assertNotEquals(0, replicas.code());
        assertTrue(replicas.err().contains("--op-profile") && replicas.err().contains("--replicas"), replicas.err());
        Cli generate = bench("--op-profile", "--generate");
        assertNotEquals(0, generate.code());
        assertTrue(generate.err().contains("--op-profile") && generate.err().contains("--generate"), generate.err());
    }
}
