package dev.kiln.runtime.pipeline;

import dev.kiln.api.config.Config;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ResolvedConfigTest {
    @Test
    void pluginSectionsAndTheModelAreResolvedInPlaceWithoutTouchingTheUsersMaps() {
        Map<String, Object> mlm = new LinkedHashMap<>(Map.of("name", "mlm", "weight", 2));
        List<Object> objectives = new java.util.ArrayList<>(List.of(mlm, "nsp"));
        Map<String, Object> finetune = new LinkedHashMap<>(Map.of("method", "lora", "forgetting", new LinkedHashMap<>(Map.of("objective", "clm"))));
        Map<String, Object> raw = new LinkedHashMap<>(Map.of("objectives", objectives, "finetune", finetune, "model", Map.of("d_model", 64)));
        Config root = new Config("pipeline", raw);
        ResolvedConfig resolved = new ResolvedConfig(root);
        root.getLong("seed", 1234);
        Config ft = root.section("finetune");
        NamedSpec method = resolved.put("finetune.method", NamedSpec.parse(ft.raw().get("method"), "method"));
        method.config().getInt("r", 8);
        NamedSpec probe = resolved.put("finetune.forgetting.objective", NamedSpec.parse("clm", "forgetting"));
        probe.config().getBoolean("separator", true);
        for (int i = 0; i < objectives.size(); i++) {
            NamedSpec s = resolved.put("objectives." + i, NamedSpec.parse(objectives.get(i), "objective"));
            s.config().getDouble("mask_prob", 0.15);
        }
        Config model = resolved.put("model", new Config("model", Map.of("d_model", 64, "vocab", 300)));
        model.getInt("d_model", 128);
        model.getInt("layers", 2);

        Map<String, Object> r = resolved.get();
        assertEquals(1234L, r.get("seed"));
        assertEquals(Map.of("name", "lora", "weight", 1.0, "r", 8), ((Map<?, ?>) r.get("finetune")).get("method"));
        assertEquals(Map.of("name", "clm", "weight", 1.0, "separator", true),
                ((Map<?, ?>) ((Map<?, ?>) r.get("finetune")).get("forgetting")).get("objective"));
        assertEquals(List.of(Map.of("name", "mlm", "weight", 2.0, "mask_prob", 0.15), Map.of("name", "nsp", "weight", 1.0, "mask_prob", 0.15)),
                r.get("objectives"));
        assertEquals(Map.of("d_model", 64, "vocab", 300, "layers", 2), r.get("model"));
        assertEquals(List.of(mlm, "nsp"), objectives, "the user's list is unchanged");
        assertEquals("clm", ((Map<?, ?>) finetune.get("forgetting")).get("objective"), "and so are their maps");
    }
}
