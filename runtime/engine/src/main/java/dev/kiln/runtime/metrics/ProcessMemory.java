package dev.kiln.runtime.metrics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's memory right now: Java heap in use (the heap pools, as the JVM's memory bean
 * reports it) and the resident set size, from {@code VmRSS} in {@code /proc/self/status}
 * (Linux only; elsewhere unknown).
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final double MIB = 1024.0 * 1024.0;

    private ProcessMemory() {}

    /** Java heap in use, MiB. */
    public static double heapMib() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / MIB;
    }

    /** Resident set size in MiB, or NaN where /proc/self/status has no VmRSS line (not Linux). */
    public static double rssMib() {
        try {
            return rssKib(Files.readString(STATUS, StandardCharsets.US_ASCII)) / 1024.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The VmRSS value (kB) of a /proc/PID/status text, or NaN when it has none. */
    static double rssKib(String status) {
        for (String line : status.split("\n")) {
            if (!line.startsWith("VmRSS:")) continue;
            String[] parts = line.substring(6).trim().split("\\s+");
            return Double.parseDouble(parts[0]);
        }
        return Double.NaN;
    }
}
