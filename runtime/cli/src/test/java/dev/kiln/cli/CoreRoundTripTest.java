package dev.kiln.cli;

import dev.kiln.api.testing.RequiredInCi;
import org.junit.jupiter.api.Test;

import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.*;

class CoreRoundTripTest {
    @Test
    void twoThreadsMeasureARoundTripAndThePartnerEnds() throws InterruptedException {
        RequiredInCi.require(Runtime.getRuntime().availableProcessors() >= 2, "the probe needs two processors");
        OptionalDouble ns = CoreRoundTrip.nanos(2_000, 1_000_000_000L);
        assertTrue(ns.isPresent(), "two threads on two processors hand the counter back and forth");
        // a round trip moves a cache line twice between cores: tens of ns on one chip, far below a millisecond
        assertTrue(ns.getAsDouble() > 1 && ns.getAsDouble() < 1e6, "round trip " + ns.getAsDouble() + " ns");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (partnerAlive() && System.nanoTime() < deadline) Thread.sleep(10);
        assertFalse(partnerAlive(), "the partner thread stops when the probe ends, instead of spinning on a core");
    }

    @Test
    void rejectsNonPositiveTripsOrBudget() {
        assertThrows(IllegalArgumentException.class, () -> CoreRoundTrip.nanos(0, 1_000_000L));
        assertThrows(IllegalArgumentException.class, () -> CoreRoundTrip.nanos(10, 0));
    }

    private static boolean partnerAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("kiln-core-round-trip") && t.isAlive());
    }
}
