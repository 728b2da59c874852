package dev.kiln.runtime.hf;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.TensorData;
import dev.kiln.runtime.io.JsonValues;
import dev.kiln.runtime.model.ModelStore;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * The checkpoints in {@code src/test/resources/hf/} (made by {@code src/test/fixtures/hf/make_fixtures.py})
 * and helpers to copy / alter them.
 */
final class HfFixtures {

    private HfFixtures() {}

    static Path dir(String name) {
        URL url = HfFixtures.class.getResource("/hf/" + name + "/config.json");
        if (url == null) throw new IllegalStateException("fixture hf/" + name + " is not on the test class path");
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> reference(String name) throws IOException {
        return json(dir(name).resolve("reference.json"));
    }

    /** A JSON file's object as a mutable map, whole numbers as {@code Integer} where they fit (as the engine reads config.json). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Path file) throws IOException {
        Object v = Json.read(file);
        if (!(v instanceof Map<?, ?>)) throw new IOException(file + ": expected a JSON object");
        return (Map<String, Object>) JsonValues.plain(v);
    }

    /** Writes {@code config} as Kiln writes config.json (whole floats keep their fraction). */
    static void writeJson(Path file, Map<String, ?> config) throws IOException {
        Files.writeString(file, ModelStore.configText(config) + "\n");
    }

    @SuppressWarnings("unchecked")
    static List<List<Integer>> intLists(Map<String, Object> ref, String key) {
        return (List<List<Integer>>) ref.get(key);
    }

    @SuppressWarnings("unchecked")
    static float[] floats(Map<String, Object> ref, String key, int index) {
        List<Number> l = ((List<List<Number>>) ref.get(key)).get(index);
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) f[i] = l.get(i).floatValue();
        return f;
    }

    static Stream<Backend> backends() {
        return Stream.of(new NaiveBackend(), new CpuBackend(2));
    }

    /** A copy of fixture {@code name} in {@code to}, with its tensors passed through {@code edit} (null drops one). */
    static Path copy(String name, Path to, BiFunction<String, TensorData, TensorData> edit) throws IOException {
        Files.createDirectories(to);
        Path from = dir(name);
        for (String f : List.of("config.json", "vocab.json", "merges.txt"))
            if (Files.exists(from.resolve(f))) Files.copy(from.resolve(f), to.resolve(f));
        Map<String, TensorData> out = new LinkedHashMap<>();
        try (SafetensorsFile sf = SafetensorsFile.open(from.resolve("model.safetensors"))) {
            for (String n : sf.names()) {
                TensorData t = TensorData.f32(sf.info(n).intShape(), sf.floats(n));
                TensorData e = edit.apply(n, t);
                if (e != null) out.put(n, e);
            }
        }
        SafetensorsWriter.write(to.resolve("model.safetensors"), out, Map.of("format", "pt"));
        return to;
    }

    /** Rewrites one config.json key of a copied fixture. */
    static void setConfig(Path dir, String key, Object value) throws IOException {
        Map<String, Object> cfg = json(dir.resolve("config.json"));
        cfg.put(key, value);
        writeJson(dir.resolve("config.json"), cfg);
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
