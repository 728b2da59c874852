package dev.kiln.runtime.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class AxisTest {
    @Test
    void aValueAxisContainsTheExtremesWithRoundTicks() {
        Axis a = Axis.values(0.8731, 5.5712);
        assertFalse(a.log());
        assertTrue(a.min() <= 0.8731 && a.max() >= 5.5712, a.toString());
        assertEquals(0, a.min());
        assertEquals(6, a.max());
        assertEquals(java.util.List.of(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0), a.ticks());
        assertEquals(0.5, a.fraction(3), 1e-12);
        assertEquals("3", a.label(3));
    }

    @Test
    void smallSpacingsGetTheirDecimalsAndAFlatSeriesStillHasARange() {
        Axis lr = Axis.values(0.00005, 0.0003);
        assertTrue(lr.min() <= 0.00005 && lr.max() >= 0.0003);
        assertEquals("0.00010", lr.label(0.0001), "ticks 0.00005 apart need five decimals");
        Axis flat = Axis.values(2.0, 2.0);
        assertTrue(flat.min() < 2 && flat.max() > 2);
        Axis zero = Axis.values(0, 0);
        assertTrue(zero.min() < 0 && zero.max() > 0);
    }

    @Test
    void valuesSpanningManyDecadesGetALogAxis() {
        Axis ppl = Axis.values(1.52, 8478.0);
        assertTrue(ppl.log());
        assertEquals(1, ppl.min());
        assertEquals(10000, ppl.max());
        assertEquals(0.5, ppl.fraction(100), 1e-12);
        assertEquals("1e-5", Axis.values(1e-5, 1e-3).label(1e-5));
        assertFalse(Axis.values(-1, 8478).log(), "not with values at or below zero");
    }

    @Test
    void theStepAxisIsExactlyTheStepsPlotted() {
        Axis x = Axis.steps(0, 12);
        assertEquals(0, x.min());
        assertEquals(12, x.max());
        assertEquals(java.util.List.of(0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0), x.ticks());
        Axis one = Axis.steps(5, 5);
        assertTrue(one.min() < 5 && one.max() > 5);
    }
}
