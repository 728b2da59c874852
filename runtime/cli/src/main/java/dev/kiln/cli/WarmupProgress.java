package dev.kiln.cli;

import dev.kiln.cli.BenchRunner.Warmup;

import java.util.Map;

/**
 * One phase's warm-up as it runs (training steps, or forward passes): which steps are warm-up, given the rule, the
 * first step's end and the compilers' activity; and, once the first timed step starts, how long it took and whether
 * the JIT was quiet then. Ask {@link #warming} before each step and call {@link #stepEnded} after it, in order.
 */
final class WarmupProgress {
    private final Warmup rule;
    private final JitActivity jit;
    private final long start = System.nanoTime();
    private long firstEnd;
    private int steps;              // warm-up steps so far
    private boolean ended;
    private double seconds;         // from the first step's start to the first timed step's
    private long compileMillis;     // the compilers' time by then
    private Boolean jitQuiet;       // whether the JIT was quiet then (null: not asked, or not reported)

    WarmupProgress(Warmup rule) { this(rule, new JitActivity()); }

    WarmupProgress(Warmup rule, JitActivity jit) {
        this.rule = rule;
        this.jit = jit;
    }

    /** Whether step {@code i} (from 0) is warm-up; the first that is not ends the warm-up, and every later one is timed. */
    boolean warming(int i) {
        if (!ended && rule.warming(i, firstEnd, jit)) {
            steps++;
            return true;
        }
        if (!ended) {
            end();
            jitQuiet = rule.quietMillis() > 0 && jit.measurable() ? rule.jitQuiet(jit) : null;
        }
        return false;
    }

    private void end() {
        ended = true;
        seconds = (System.nanoTime() - start) / 1e9;
        compileMillis = jit.millisSinceStart();
    }

    /** Records another's decision for the next step instead of taking this one's ({@link BenchReplica}: rank 0's). */
    void follow(boolean warming) {
        if (ended) return;
        if (warming) steps++;
        else end();
    }

    /** After step {@code i}: the first step's end, and the compilers' time while warming (not between timed steps: /proc reads, a cache's worth). */
    void stepEnded(int i, boolean warming) {
        if (i == 0) firstEnd = System.nanoTime();
        if (warming) jit.sample(System.nanoTime());
    }

    /** Warm-up steps so far. */
    int steps() { return steps; }

    /** ", JIT n ms in the last second" for a --step-times line of a warm-up step, where known; "" for a timed one. */
    String jitNote(boolean warming) {
        long recent = warming ? jit.recentMillis() : -1;
        return recent < 0 ? "" : ", JIT " + recent + " ms in the last second";
    }

    /** Adds {prefix}warmup_s, {prefix}warmup_jit_quiet, and {prefix}timed_compile_ms: the compilers' time in the timed steps. */
    void put(Map<String, Object> r, String prefix) {
        r.put(prefix + "warmup_s", BenchRunner.round(seconds, 2));
        if (jitQuiet != null) r.put(prefix + "warmup_jit_quiet", jitQuiet);
        if (jit.measurable()) r.put(prefix + "timed_compile_ms", Math.max(0, jit.millisSinceStart() - compileMillis));
    }
}
