package dev.kiln.backend.opencl.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A tiling whose product is not the first tiling's is left out of the choice. */
class MatmulTilingsBenchTest {

    @Test
    void summationOrderIsToleratedAWrongOrMissingValueIsNot() {
        float[] reference = {1f, -2f, 300f, 0f};
        assertNull(MatmulTilingsBench.differs(reference, new float[] {1.0001f, -2f, 300.02f, 1e-5f}));
        assertEquals("element 2: 303.0 against 300.0", MatmulTilingsBench.differs(reference, new float[] {1f, -2f, 303f, 0f}));
        assertEquals("element 1: NaN against -2.0", MatmulTilingsBench.differs(reference, new float[] {1f, Float.NaN, 300f, 0f}));
    }
}
