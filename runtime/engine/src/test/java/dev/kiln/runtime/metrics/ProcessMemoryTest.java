package dev.kiln.runtime.metrics;

import dev.kiln.api.testing.RequiredInCi;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ProcessMemoryTest {
    @Test
    void vmRssIsReadFromProcStatus() {
        assertEquals(351232, ProcessMemory.rssKib("Name:\tjava\nVmPeak:\t 9000000 kB\nVmRSS:\t  351232 kB\nRssAnon:\t 1 kB\n"));
        assertTrue(Double.isNaN(ProcessMemory.rssKib("Name:\tjava\n")));
    }

    @Test
    void onLinuxTheResidentSetHoldsAtLeastTheHeapInUse() {
        RequiredInCi.require(Files.isReadable(Path.of("/proc/self/status")), "no /proc/self/status (not Linux)");
        double rss = ProcessMemory.rssMib(), heap = ProcessMemory.heapMib();
        assertTrue(heap > 0 && rss > heap, "rss " + rss + " MiB, heap " + heap + " MiB");
    }
}
