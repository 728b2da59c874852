package dev.kiln.api.config;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ConfigResolvedTest {
    @Test
    void resolvedHasTheGivenKeysAndTheDefaultsOfEveryKeyRead() {
        Map<String, Object> train = new LinkedHashMap<>(Map.of("steps", "200", "schedule", "COSINE"));
        Config root = new Config("pipeline", Map.of("seed", 7, "train", train, "objective", "clm"));
        Config t = root.section("train");
        assertEquals(200, t.getLong("steps", 1000));
        assertEquals(1e-3, t.getDouble("lr", 1e-3));
        assertEquals("cosine", t.getChoice("schedule", "linear", "cosine", "linear"));
        assertFalse(t.getBoolean("load_best_model_at_end", false));
        assertEquals(List.of("a"), t.getList("targets", List.of("a")));
        assertNull(t.getString("metric", null));
        root.section("optim").getDouble("beta1", 0.9);
        root.has("objective");

        Map<String, Object> r = root.resolved();
        assertEquals(7, r.get("seed"), "given keys stay as given");
        assertEquals("clm", r.get("objective"), "keys never read by a getter stay too");
        assertEquals(Map.of("steps", 200L, "lr", 1e-3, "schedule", "cosine", "load_best_model_at_end", false, "targets", List.of("a")),
                r.get("train"), "parsed values and defaults; a key with neither is left out");
        assertEquals(Map.of("beta1", 0.9), r.get("optim"), "an absent section read with defaults");
        assertEquals(Map.of("steps", "200", "schedule", "COSINE"), root.raw().get("train"), "raw() is untouched");
    }
}
