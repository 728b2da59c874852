package dev.kiln.backend.opencl;

import dev.kiln.backend.opencl.kernel.MatmulTiling;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading a matmul tiling, and the tilings refused before any device compiles them. */
class MatmulTilingTest {

    @Test
    void readsWhatItWrites() {
        MatmulTiling t = MatmulTiling.parse(" 8, 16,32 ", "test");
        assertEquals(new MatmulTiling(8, 16, 32), t);
        assertEquals(128, t.tile());
        assertEquals(t, MatmulTiling.parse(t.toString(), "test"));
        assertEquals("4,16,16", MatmulTiling.DEFAULT.toString());
    }

    @Test
    void refusesWhatNoDeviceCouldRunWithAClearReason() {
        assertMessage("KILN_OPENCL_MATMUL: expected perItem,group,depth (e.g. 4,16,16), got '4,16'", "4,16");
        assertMessage("KILN_OPENCL_MATMUL: expected three integers perItem,group,depth, got '4,x,16'", "4,x,16");
        assertMessage("outputs per item must be 1 to 8", "9,16,16");
        assertMessage("the group side must be a power of two up to 32, got 12", "4,12,16");
        assertMessage("depth must be 1 to 64, got 0", "4,16,0");
        assertMessage("stages 65536 bytes in local memory; at most 32768", "8,16,64");
    }

    private static void assertMessage(String expected, String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatmulTiling.parse(text, "KILN_OPENCL_MATMUL"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("KILN_OPENCL_MATMUL: "), e.getMessage());
    }
}
