package dev.kiln.runtime.hf;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.ShardedSafetensors;
import dev.kiln.api.io.TensorData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes weights as transformers' {@code save_pretrained} does: one {@code model.safetensors} when
 * they fit under the maximum shard size, else {@code model-00001-of-0000N.safetensors} files
 * (tensors in order, a new shard whenever the next tensor would overflow the current one; a tensor
 * larger than the maximum gets a shard of its own) and {@code model.safetensors.index.json} with
 * {@code metadata.total_size} and the {@code weight_map}.
 */
final class ShardedWeights {
    private static final Map<String, String> METADATA = Map.of("format", "pt");

    private ShardedWeights() {}

    /** Writes {@code tensors} into {@code dir}; returns the files written. */
    static List<Path> write(Path dir, Map<String, TensorData> tensors, long maxShardBytes) throws IOException {
        List<Map<String, TensorData>> shards = new ArrayList<>();
        Map<String, TensorData> current = new LinkedHashMap<>();
        long currentBytes = 0, total = 0;
        for (var e : tensors.entrySet()) {
            long size = e.getValue().byteLength();
            if (!current.isEmpty() && currentBytes + size > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += size;
            total += size;
        }
        shards.add(current);
        if (shards.size() == 1) {
            Path file = dir.resolve(HfCheckpoints.WEIGHTS);
            SafetensorsWriter.write(file, shards.get(0), METADATA);
            return List.of(file);
        }
        List<Path> files = new ArrayList<>();
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            SafetensorsWriter.write(dir.resolve(name), shards.get(i), METADATA);
            for (String t : shards.get(i).keySet()) weightMap.put(t, name);
            files.add(dir.resolve(name));
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("metadata", Map.of("total_size", total));
        index.put("weight_map", weightMap);
        Path indexFile = dir.resolve(ShardedSafetensors.DEFAULT_INDEX);
        Files.writeString(indexFile, Json.pretty(index) + "\n");
        files.add(indexFile);
        return files;
    }
}
