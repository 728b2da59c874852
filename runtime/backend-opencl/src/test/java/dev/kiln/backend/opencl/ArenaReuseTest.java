package dev.kiln.backend.opencl;

import dev.kiln.api.nn.TransformerConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13's memory reuse on the device: backward and zero_grad hand their storages back to the arena
 * (Backend.release) instead of leaving them for the collector, so from the second step on a training step
 * fits in the regions the first one freed and the arena's high-water mark stops moving.
 */
@Tag("gpu")
class ArenaReuseTest {
    @Test
    void thePeakStopsGrowingAfterTheFirstStep() {
        try (OpenClBackend ocl = OpenClTestSupport.backendOrSkip()) {
            TinyGptTrainingTest.Run run = new TinyGptTrainingTest.Run(ocl, TransformerConfig.gpt2(TinyGptTrainingTest.VOCAB, 32, 2, 4, 16));
            long[] peak = new long[8];
            for (int step = 0; step < peak.length; step++) {
                run.step(TinyGptTrainingTest.batch(step));
                peak[step] = ocl.peakArenaFloats();
            }
            assertTrue(peak[0] > 10_000, "the first step uses the arena: " + peak[0]);
            // what may still grow: the loss each step leaves with its caller (one float in a 16-float region),
            // returned when the collector finds it unreachable
            int last = peak.length - 1;
            assertTrue(peak[last] - peak[1] <= (long) DeviceArena.ALIGN * (last - 1), "the peak after step 2 vs after step "
                    + peak.length + ": " + java.util.Arrays.toString(peak));
        }
    }
}
