package dev.kiln.cli;

import dev.kiln.api.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln bench --replicas}: the same training as one model on the whole batch, and its bad inputs. */
class BenchReplicasTest {
    @TempDir
    Path plugins;

    /**
     * Two replicas of one thread each see the same batches, rows split between them, and sum their gradients: the
     * losses (the replicas' mean, the whole batch's) match one model on two threads to float tolerance, step after step.
     */
    @Test
    void twoReplicasTrainAsOneModelOnTheWholeBatch() throws Exception {
        Map<?, ?> one = json(bench("--threads", "2"));
        Cli two = bench("--threads", "2", "--replicas", "2");
        Map<?, ?> replicated = json(two);
        assertEquals(2, ((Number) replicated.get("replicas")).intValue(), replicated.toString());
        assertEquals(2, ((Number) replicated.get("threads")).intValue(), "--threads is the replicas' threads together");
        assertFalse(one.containsKey("replicas"));
        double first = number(one, "loss_first"), last = number(one, "loss_last");
        assertTrue(last < first - 0.01, "the toy model should learn in 12 steps: " + first + " → " + last);
        assertEquals(first, number(replicated, "loss_first"), 1e-5 * first, "step 1's loss: the whole batch's mean");
        assertEquals(last, number(replicated, "loss_last"), 1e-4 * last, "step 12's loss: the same training");
        assertTrue(number(replicated, "train_tok_s_med") > 0 && number(replicated, "infer_tok_s_med") > 0, replicated.toString());
        // the core round-trip probe needs both cores, which the replicas hold: it is left out rather than read wrong
        assertFalse(replicated.containsKey("core_round_trip_ns_before"), replicated.toString());
        assertTrue(two.err().contains("2 threads"), two.err());
    }

    @Test
    void replicasMustSplitTheThreadsAndTheBatchEvenly() {
        assertError(bench("--threads", "2", "--replicas", "3"), "--replicas 3 must divide the 2 threads");
        assertError(bench("--threads", "3", "--replicas", "3"), "--replicas 3 must divide tiny's batch of 4 rows");
        assertError(bench("--threads", "2", "--replicas", "0"), "--replicas must be at least 1, got 0");
        assertError(bench("--threads", "2", "--replicas", "2", "--generate"), "--replicas measures pretraining steps");
    }

    private static void assertError(Cli r, String expected) {
        assertNotEquals(0, r.code(), r.out());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
    }

    /** A toy shape, 12 exact training steps (the first untimed), one forward pass. */
    private Cli bench(String... more) {
        List<String> args = new ArrayList<>(List.of("bench", "--config", "tiny", "--warmup", "1", "--steps", "11", "--infer-steps", "1",
                "--infer-warmup", "0", "--no-sgemm", "--vocab", "40", "--d-model", "16", "--layers", "1", "--heads", "2", "--seq", "8",
                "--batch", "4", "--backend", "cpu", "--plugins", plugins.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(new String[0]));
    }

    private static Map<?, ?> json(Cli r) throws Exception {
        assertEquals(0, r.code(), r.err());
        String line = r.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        return (Map<?, ?>) Json.parse(line, "bench output");
    }

    private static double number(Map<?, ?> m, String key) { return ((Number) m.get(key)).doubleValue(); }
}
