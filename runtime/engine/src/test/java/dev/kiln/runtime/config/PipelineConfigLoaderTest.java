package dev.kiln.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigLoaderTest {
    @TempDir Path dir;

    private static final String YAML = """
            # a GPT-2-ish pretraining run
            model:
              d_model: 64
              layers: 2
              norm: rmsnorm
            train:
              lr: 3e-4
              steps: 1000
              shuffle: true
              country: no
              optimizer:
                name: adamw
                betas: [0.9, 0.95]
            objectives:
              - name: mlm
                weight: 1.0
              - name: nsp
                weight: 0.5
            """;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    @SuppressWarnings("unchecked")
    void loadsYamlIntoPlainMaps() throws IOException {
        Map<String, Object> root = PipelineConfigLoader.load(write("pipeline.yaml", YAML));
        assertEquals(List.of("model", "train", "objectives"), List.copyOf(root.keySet()));
        Map<String, Object> train = (Map<String, Object>) root.get("train");
        assertEquals(3e-4, train.get("lr"));
        assertEquals(1000, train.get("steps"));
        assertEquals(true, train.get("shuffle"));
        assertEquals("no", train.get("country"), "YAML 1.2: 'no' is a string, not false");
        assertEquals(List.of(0.9, 0.95), ((Map<String, Object>) train.get("optimizer")).get("betas"));
        assertEquals(Map.of("name", "nsp", "weight", 0.5), ((List<Object>) root.get("objectives")).get(1));

        // How the trainer consumes a section.
        Config cfg = new Config("train", (Map<String, ?>) root.get("train"));
        assertEquals(3e-4, cfg.getDouble("lr", 0));
        assertEquals(1000, cfg.getInt("steps", 0));
        assertEquals("adamw", cfg.section("optimizer").getString("name", null));
    }

    @Test
    void loadsJsonTheSameWay() throws IOException {
        Path p = write("pipeline.json", "{\"train\": {\"lr\": 0.001, \"steps\": 10, \"tags\": [\"a\", \"b\"], \"x\": null}}");
        Map<String, Object> root = PipelineConfigLoader.load(p);
        assertEquals(Map.of("lr", 0.001, "steps", 10, "tags", List.of("a", "b")),
                withoutNulls(root.get("train")));
        assertTrue(((Map<?, ?>) root.get("train")).containsKey("x"));
    }

    @Test
    void yamlSyntaxErrorNamesFileLineAndColumn() throws IOException {
        Path p = write("broken.yaml", "train:\n  lr: 0.1\n steps: 3\n");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.load(p));
        assertTrue(e.getMessage().startsWith(p.toString() + ": line 3, column 2: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    /** Jackson would read {@code *s} as the text "s": an alias is refused where it stands; an anchor alone is harmless. */
    @Test
    void aYamlAliasIsRefusedNamingItsLine() throws IOException {
        Path p = write("alias.yaml", "seed: &s 7\ntrain:\n  lr: 0.001\n  steps: *s\n");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.load(p));
        assertTrue(e.getMessage().startsWith(p + ": line 4, column ") && e.getMessage().contains("YAML alias *s"), e.getMessage());
        assertEquals(7, PipelineConfigLoader.load(write("anchor.yaml", "seed: &s 7\n")).get("seed"));
    }

    @Test
    void jsonSyntaxErrorNamesFileLineAndColumn() throws IOException {
        Path p = write("broken.json", "{\n  \"train\": {\n    \"lr\": 0.1,\n  }\n}");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.load(p));
        assertTrue(e.getMessage().startsWith(p.toString() + ": line 4, column "), e.getMessage());
    }

    @Test
    void duplicateKeysAreErrors() throws IOException {
        Path p = write("dup.yaml", "train:\n  lr: 1\n  lr: 2\n");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.load(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("line 3")
                && e.getMessage().contains("'lr'"), e.getMessage());
    }

    @Test
    void secondYamlDocumentIsAnError() throws IOException {
        Path p = write("two.yaml", "train:\n  lr: 1\n---\neval: {}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfigLoader.load(p));
        assertTrue(e.getMessage().contains(p + ": line 4") && e.getMessage().contains("more than one document"), e.getMessage());
    }

    @Test
    void otherFileErrors() throws IOException {
        Path missing = dir.resolve("nope.yaml");
        assertTrue(assertThrows(ConfigException.class, () -> PipelineConfigLoader.load(missing)).getMessage()
                .contains(missing + ": no such file"));
        Path txt = write("p.txt", "a: 1");
        assertTrue(assertThrows(ConfigException.class, () -> PipelineConfigLoader.load(txt)).getMessage()
                .contains(".yaml, .yml or .json"));
        Path list = write("list.yml", "- a\n- b\n");
        assertTrue(assertThrows(ConfigException.class, () -> PipelineConfigLoader.load(list)).getMessage()
                .contains(list + ": expected a map of sections"));
        assertEquals(Map.of(), PipelineConfigLoader.load(write("empty.yaml", "# nothing yet\n")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void overridesApplyAfterLoading() throws IOException {
        Map<String, Object> root = PipelineConfigLoader.load(write("pipeline.yml", YAML),
                List.of("train.lr=1e-3", "train.optimizer.betas=[0.8, 0.9]", "eval.every=50", "objectives.1.weight=0.25"));
        Map<String, Object> train = (Map<String, Object>) root.get("train");
        assertEquals(1e-3, train.get("lr"));
        assertEquals(List.of(0.8, 0.9), ((Map<String, Object>) train.get("optimizer")).get("betas"));
        assertEquals(Map.of("every", 50), root.get("eval"));
        assertEquals(0.25, ((Map<String, Object>) ((List<Object>) root.get("objectives")).get(1)).get("weight"));
    }

    private static Map<?, ?> withoutNulls(Object m) {
        Map<Object, Object> out = new java.util.LinkedHashMap<>((Map<?, ?>) m);
        out.values().removeIf(v -> v == null);
        assertNull(out.get("x"));
        return out;
    }
}
