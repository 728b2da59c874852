package dev.kiln.api.config;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Whole-number keys never wrap around: 4294967297 is not batch size 1, 1e20 steps is not 9.2e18. */
class ConfigNumbersTest {

    private static Config config(Object value) {
        return new Config("train", Map.of("k", value));
    }

    @Test
    void anIntThatDoesNotFitIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> config(4294967297L).getInt("k", 0));
        assertTrue(e.getMessage().contains("'k'") || e.getMessage().contains("k"), e.getMessage());
        assertTrue(e.getMessage().contains("out of range: 4294967297 (an int holds -2147483648 … 2147483647)"), e.getMessage());
        assertThrows(ConfigException.class, () -> config("4294967360").getInt("k", 0));
    }

    @Test
    void aLongThatDoesNotFitIsRefused() {
        assertThrows(ConfigException.class, () -> config(1e20).getLong("k", 0));
        assertThrows(ConfigException.class, () -> config(new BigInteger("99999999999999999999")).getLong("k", 0));
        assertThrows(ConfigException.class, () -> config("1e20").getLong("k", 0));
    }

    @Test
    void fractionsAndWordsAreNotIntegers() {
        assertThrows(ConfigException.class, () -> config(2.5).getInt("k", 0));
        assertThrows(ConfigException.class, () -> config("two").getInt("k", 0));
        assertThrows(ConfigException.class, () -> config(Double.NaN).getInt("k", 0));
    }

    @Test
    void wholeNumbersInAnyFormAreRead() {
        assertEquals(64, config(64).getInt("k", 0));
        assertEquals(64, config(64.0).getInt("k", 0));
        assertEquals(64, config("64").getInt("k", 0));
        assertEquals(1000, config("1e3").getInt("k", 0));
        assertEquals(-5, config(-5L).getInt("k", 0));
        assertEquals(Integer.MAX_VALUE, config(2147483647L).getInt("k", 0));
        assertEquals(0, config(0.0).getInt("k", 0));
        assertEquals(9_000_000_000L, config(9_000_000_000L).getLong("k", 0));
        assertEquals(7, config(Map.of()).getInt("missing", 7));
    }
}
