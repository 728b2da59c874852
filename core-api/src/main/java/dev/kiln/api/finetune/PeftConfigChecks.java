package dev.kiln.api.finetune;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Keys of PEFT's {@code adapter_config.json} that change what an adapter computes but that Kiln
 * does not implement: loading refuses them, naming the file and the key, rather than computing
 * something else. Keys that do not change the function ({@code revision}, {@code auto_mapping},
 * {@code init_lora_weights}, {@code megatron_config} ...) are simply not read.
 */
public final class PeftConfigChecks {
    private PeftConfigChecks() {}

    /**
     * An error unless {@code key} is absent, null, or one of {@code harmless} (an empty list or
     * object counts as absent).
     */
    public static void refuseUnless(JsonObject json, String key, String what, Object... harmless) throws IOException {
        Object v = json.get(key);
        if (v == null || (v instanceof List<?> l && l.isEmpty()) || (v instanceof Map<?, ?> m && m.isEmpty())) return;
        if (Arrays.asList(harmless).contains(v)) return;
        throw json.error(key, "is " + Json.write(v) + ": " + what + " is not supported by Kiln");
    }
}
