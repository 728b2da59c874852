package dev.kiln.api.nn;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Values a model section cannot mean are refused naming the key; they used to build a model (a negative init_std trained). */
class ModelConfigValuesTest {
    @Test
    void aNegativeInitStdOrLayerCountIsRefused() {
        ConfigException std = assertThrows(ConfigException.class,
                () -> TransformerConfig.fromConfig(new Config("model", Map.of("vocab", 16, "d_model", 8, "heads", 2, "init_std", -1.0))));
        assertTrue(std.getMessage().contains("key 'init_std'") && std.getMessage().contains("got -1.0"), std.getMessage());
        ConfigException layers = assertThrows(ConfigException.class,
                () -> TransformerConfig.fromConfig(new Config("model", Map.of("vocab", 16, "d_model", 8, "heads", 2, "layers", -2))));
        assertTrue(layers.getMessage().contains("key 'layers'") && layers.getMessage().contains("got -2"), layers.getMessage());
        assertEquals(0.0f, TransformerConfig.fromConfig(new Config("model", Map.of("vocab", 16, "d_model", 8, "heads", 2, "init_std", 0.0))).initStd());
    }
}
