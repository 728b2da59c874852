package dev.kiln.cli;

import java.lang.management.CompilationMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * How much the JIT compilers have worked lately: on Linux the CPU time of HotSpot's compiler threads
 * ({@code /proc/self/task/<tid>/stat}, which counts a compile while it runs), elsewhere the JVM's accumulated compile
 * time ({@link CompilationMXBean#getTotalCompilationTime}, counted when a compile ends). A benchmark samples it after
 * each warm-up step and keeps warming up while the compilers are busy: a compile running beside the timed steps takes
 * a core from them, and the code it replaces is the slower tier.
 */
final class JitActivity {
    /** The trailing window a rate is taken over. */
    static final long WINDOW_NANOS = 1_000_000_000L;

    private final LongSupplier totalMillis;   // null: not reported
    private final long startMillis;
    private final List<long[]> samples = new ArrayList<>();   // {nanoTime, compile ms}, oldest first

    /** This JVM's compilers. */
    JitActivity() {
        this(Files.isDirectory(TASKS) ? JitActivity::compilerThreadMillis : reported(ManagementFactory.getCompilationMXBean()));
    }

    /** @param totalMillis the compilers' accumulated time, ms; null where it is not known */
    JitActivity(LongSupplier totalMillis) {
        this.totalMillis = totalMillis;
        this.startMillis = totalMillis();
    }

    private static final Path TASKS = Path.of("/proc/self/task");
    /** Clock ticks a second of /proc's CPU times (USER_HZ, 100 on Linux). */
    private static final long TICKS_PER_SECOND = 100;

    /** The CPU time of the threads HotSpot names "C1 CompilerThreadN" and "C2 CompilerThreadN", ms. */
    static long compilerThreadMillis() {
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String name = Files.readString(task.resolve("comm"));
                    if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) continue;
                    // fields after the ")" that closes the name: state is 3rd, utime 14th, stime 15th
                    String stat = Files.readString(task.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException ended) {
                    // a compiler thread that exited between the listing and the read: its time is gone either way
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * 1000 / TICKS_PER_SECOND;
    }

    private static LongSupplier reported(CompilationMXBean c) {
        return c != null && c.isCompilationTimeMonitoringSupported() ? c::getTotalCompilationTime : null;
    }

    /** Whether this JVM reports its compile time; without it nothing is ever busy. */
    boolean measurable() { return totalMillis != null; }

    /** Compile time since this object was made, ms (0 where the JVM does not report it). */
    long millisSinceStart() { return totalMillis() - startMillis; }

    /** Records the compilers' total at {@code now} (after a step). */
    void sample(long now) {
        samples.add(new long[] {now, totalMillis()});
        while (samples.size() > 2 && now - samples.get(1)[0] >= WINDOW_NANOS) samples.remove(0);
    }

    /**
     * Compile time over the trailing window, ms: from the newest sample at least {@link #WINDOW_NANOS} before the
     * latest to the latest; -1 while the samples span less than the window.
     */
    long recentMillis() {
        if (samples.size() < 2) return -1;
        long[] first = samples.get(0), last = samples.get(samples.size() - 1);
        if (last[0] - first[0] < WINDOW_NANOS) return -1;
        return Math.max(0, last[1] - first[1]);   // a compiler thread that exits takes its time with it
    }

    private long totalMillis() { return totalMillis == null ? 0 : totalMillis.getAsLong(); }
}
