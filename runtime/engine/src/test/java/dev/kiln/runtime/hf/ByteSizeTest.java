package dev.kiln.runtime.hf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** max_shard_size as transformers reads it: decimal units, binary ones with an i. */
class ByteSizeTest {
    @Test
    void decimalAndBinaryUnits() {
        assertEquals(5_000_000_000L, ByteSize.parse("5GB"));
        assertEquals(2L << 30, ByteSize.parse("2GiB"));
        assertEquals(500_000_000L, ByteSize.parse("500MB"));
        assertEquals(1_500_000L, ByteSize.parse("1.5mb"));
        assertEquals(4096L, ByteSize.parse("4096"));
        assertEquals(10L << 10, ByteSize.parse("10 KiB"));
    }

    @Test
    void notASizeSaysWhatIsExpected() {
        for (String bad : new String[] {"", "lots", "5 GB of memory", "-1GB", "0", "3iB"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
