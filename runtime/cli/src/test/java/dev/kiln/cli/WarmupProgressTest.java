package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.cli.BenchRunner.Warmup;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A phase's warm-up as the bench loops drive it, with a compile-time counter the test controls. */
class WarmupProgressTest {
    @Test
    void onceATimedStepRanTheRestAreTimedEvenIfTheCompilerWakesAgain() {
        AtomicLong compiled = new AtomicLong();
        JitActivity jit = new JitActivity(compiled::get);
        jit.sample(System.nanoTime() - 2_000_000_000L);           // a quiet second behind the first step
        WarmupProgress warmup = new WarmupProgress(new Warmup(1, 0, 20, 30), jit);

        assertTrue(warmup.warming(0), "the rule's first step");
        warmup.stepEnded(0, true);
        assertFalse(warmup.warming(1), "quiet compilers: timed from here");
        warmup.stepEnded(1, false);
        compiled.set(500);                                         // a compile during the timed steps
        jit.sample(System.nanoTime());
        assertFalse(warmup.warming(2), "a busy compiler does not turn a timed phase back into warm-up");
        assertEquals(1, warmup.steps());

        Map<String, Object> r = new LinkedHashMap<>();
        warmup.put(r, "infer_");
        assertEquals(Boolean.TRUE, r.get("infer_warmup_jit_quiet"));
        assertEquals(500L, r.get("infer_timed_compile_ms"));
        assertTrue((Double) r.get("infer_warmup_s") >= 0);
        assertEquals("", warmup.jitNote(false), "timed lines carry no compile note");
    }

    /** A replica other than rank 0 follows rank 0's decisions, whatever its own rule would say, and stays timed once timed. */
    @Test
    void aFollowerCountsTheWarmUpItIsTold() {
        AtomicLong compiled = new AtomicLong();
        JitActivity jit = new JitActivity(compiled::get);
        WarmupProgress follower = new WarmupProgress(new Warmup(100, 0, 0, 0), jit);   // its own rule: 100 steps
        follower.follow(true);
        follower.follow(true);
        compiled.set(70);
        follower.follow(false);
        follower.follow(true);   // a late vote cannot reopen the warm-up
        assertEquals(2, follower.steps());
        compiled.set(100);
        Map<String, Object> r = new LinkedHashMap<>();
        follower.put(r, "");
        assertEquals(30L, r.get("timed_compile_ms"), "compiles counted from the first timed step on");
    }
}
