package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.cli.BenchRunner.Warmup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import dev.kiln.api.testing.RequiredInCi;
import org.junit.jupiter.api.Test;

/** The compile rate a default warm-up waits on, from a compile-time counter the test controls. */
class JitActivityTest {
    private static final long MS = 1_000_000L;

    @Test
    void recentCompilingIsTakenOverTheTrailingSecond() {
        AtomicLong compiled = new AtomicLong(500);
        JitActivity jit = new JitActivity(compiled::get);
        jit.sample(0);
        assertEquals(-1, jit.recentMillis(), "one sample spans no window");
        compiled.set(600);
        jit.sample(500 * MS);
        assertEquals(-1, jit.recentMillis(), "half a second is not a window yet");
        jit.sample(1000 * MS);
        assertEquals(100, jit.recentMillis());
        compiled.set(605);
        jit.sample(2000 * MS);
        assertEquals(5, jit.recentMillis(), "the compile at 0.5 s has left the window that starts at 1 s");
        compiled.set(640);
        jit.sample(2400 * MS);
        assertEquals(40, jit.recentMillis(), "from the sample at 1 s, the newest at least a second before 2.4 s");
        assertEquals(140, jit.millisSinceStart());
    }

    @Test
    void aDefaultWarmUpWaitsForAQuietCompilerAndStopsAtItsLimit() {
        AtomicLong compiled = new AtomicLong();
        JitActivity jit = new JitActivity(compiled::get);
        long now = System.nanoTime();
        jit.sample(now - 1500 * MS);
        compiled.set(300);
        jit.sample(now);
        long firstEnd = now - 2000 * MS;
        Warmup quietOrThirty = new Warmup(3, 1, 20, 30);
        assertTrue(quietOrThirty.warming(2, firstEnd, jit), "the first steps are warm-up whatever the compiler does");
        assertTrue(quietOrThirty.warming(3, firstEnd, jit), "300 ms of compiling in the last second is busy");
        assertFalse(new Warmup(3, 1, 20, 1.5).warming(3, firstEnd, jit), "past its limit a warm-up ends, busy or not");
        assertFalse(new Warmup(3, 1, 0, 30).warming(3, firstEnd, jit), "without the condition the compiler is not asked");
        assertFalse(Warmup.exactly(3).warming(3, firstEnd, jit));

        compiled.set(310);
        jit.sample(now + 1600 * MS);
        assertFalse(quietOrThirty.warming(4, firstEnd, jit), "10 ms in the last second is quiet");
        assertFalse(quietOrThirty.warming(4, firstEnd, new JitActivity(null)), "a JVM that does not report is never waited on");
    }

    /** On Linux the compilers' CPU time is read from /proc; this JVM has compiled the test framework by now. */
    @Test
    void linuxCompilerThreadsAreFoundAndHaveWorked() {
        RequiredInCi.require(Files.isDirectory(Path.of("/proc/self/task")), "no /proc: the compile-time MXBean is used instead");
        assertTrue(JitActivity.compilerThreadMillis() > 0, "no CPU time found in threads named C1/C2 CompilerThread");
        assertTrue(new JitActivity().measurable());
    }
}
