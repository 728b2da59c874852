package dev.kiln.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigOverridesTest {

    private static Map<String, Object> root() {
        Map<String, Object> train = new LinkedHashMap<>();
        train.put("lr", 0.001);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("train", train);
        root.put("layers", new java.util.ArrayList<>(List.of(1, 2)));
        return root;
    }

    @Test
    void valuesAreYamlScalars() {
        assertEquals(3, ConfigOverrides.parseValue("k", "3"));
        assertEquals(3e-4, ConfigOverrides.parseValue("k", "3e-4"));
        assertEquals(12345678901L, ConfigOverrides.parseValue("k", "12345678901"));
        assertEquals(-0.5, ConfigOverrides.parseValue("k", "-0.5"));
        assertEquals(true, ConfigOverrides.parseValue("k", "true"));
        assertEquals(false, ConfigOverrides.parseValue("k", "false"));
        assertNull(ConfigOverrides.parseValue("k", "null"));
        assertEquals("yes", ConfigOverrides.parseValue("k", "yes"));
        assertEquals("gpt2", ConfigOverrides.parseValue("k", "gpt2"));
        assertEquals("data/train #1.txt", ConfigOverrides.parseValue("k", "data/train #1.txt"));
        assertEquals("a: b", ConfigOverrides.parseValue("k", "a: b"));
        assertEquals("C:\\models", ConfigOverrides.parseValue("k", "C:\\models"));
        assertEquals("", ConfigOverrides.parseValue("k", ""));
        assertEquals("42", ConfigOverrides.parseValue("k", "'42'"));
        assertEquals("x y", ConfigOverrides.parseValue("k", "\"x y\""));
        assertEquals(List.of("a", "b"), ConfigOverrides.parseValue("k", "[a, b]"));
        assertEquals(List.of(1, 2.5), ConfigOverrides.parseValue("k", "[1, 2.5]"));
        assertEquals(Map.of("k", 1), ConfigOverrides.parseValue("k", "{k: 1}"));
    }

    @Test
    void setsNestedKeysCreatingSections() {
        Map<String, Object> r = root();
        ConfigOverrides.apply(r, List.of("train.lr=0.01", "train.optimizer.name=adamw", "new.deep.key=x", "layers.1=7"));
        assertEquals(Map.of("lr", 0.01, "optimizer", Map.of("name", "adamw")), r.get("train"));
        assertEquals(Map.of("deep", Map.of("key", "x")), r.get("new"));
        assertEquals(List.of(1, 7), r.get("layers"));
        ConfigOverrides.apply(r, "train=null");
        assertNull(r.get("train"));
        ConfigOverrides.apply(r, "train.lr=1");   // a null section is replaced by a fresh one
        assertEquals(Map.of("lr", 1), r.get("train"));
    }

    @Test
    void pathThroughAScalarNamesTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigOverrides.apply(root(), "train.lr.warmup=10"));
        assertTrue(e.getMessage().contains("'train.lr'") && e.getMessage().contains("0.001")
                && e.getMessage().contains("train.lr.warmup=10"), e.getMessage());
    }

    @Test
    void malformedOverrides() {
        assertTrue(assertThrows(ConfigException.class, () -> ConfigOverrides.apply(root(), "train.lr"))
                .getMessage().contains("expected key.path=value"));
        assertTrue(assertThrows(ConfigException.class, () -> ConfigOverrides.apply(root(), "=3"))
                .getMessage().contains("expected key.path=value"));
        assertTrue(assertThrows(ConfigException.class, () -> ConfigOverrides.apply(root(), "train..lr=3"))
                .getMessage().contains("empty segment"));
        assertTrue(assertThrows(ConfigException.class, () -> ConfigOverrides.apply(root(), "train.betas=[0.9, 0.95"))
                .getMessage().contains("key 'train.betas'"));
        assertTrue(assertThrows(ConfigException.class, () -> ConfigOverrides.apply(root(), "layers.5=1"))
                .getMessage().contains("'layers' is a list of 2 items"));
        assertTrue(assertThrows(ConfigException.class, () -> ConfigOverrides.apply(root(), "layers.x.y=1"))
                .getMessage().contains("'layers' is a list"));
    }
}
