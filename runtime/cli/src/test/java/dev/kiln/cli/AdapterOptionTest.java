package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln eval/generate --adapter DIR} reach {@code Adapters}: the errors name the directory's
 * files. (These tests run without a plugin directory, so no adapter plugin is found; the applied
 * adapter's outputs are checked in the engine's {@code PeftFixturesTest}.)
 */
class AdapterOptionTest {
    static final Path ENGINE_RESOURCES = Path.of("../engine/src/test/resources");
    static final String MODEL = ENGINE_RESOURCES.resolve("hf/gpt2").toString();
    static final String LORA = ENGINE_RESOURCES.resolve("peft/gpt2-lora").toString();
    @TempDir Path dir;

    @Test
    void aDirectoryWithoutAdapterConfigIsNamed() {
        Cli r = Cli.run("eval", "--model", MODEL, "--adapter", dir.toString(), "--data", MODEL + "/config.json");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("adapter_config.json") && r.err().contains(dir.toString()), r.err());
    }

    @Test
    void aPeftTypeNoPluginLoadsIsNamed() {
        Cli r = Cli.run("generate", "--model", MODEL, "--adapter", LORA, "--prompt", "hi", "--greedy", "-n", "2");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("peft_type LORA") && r.err().contains("gpt2-lora/adapter_config.json"), r.err());
    }
}
