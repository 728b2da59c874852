package dev.kiln.runtime.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A sharded checkpoint seen as one {@link TensorSource}: the index file
 * ({@code model.safetensors.index.json}, as written by Hugging Face) maps each tensor name to the
 * shard file holding it ({@code "weight_map"}). Every shard is opened and validated up front; the
 * index and the shards must agree exactly (each listed tensor is in its shard, and no shard holds
 * a tensor the index does not list). Shard paths must stay inside the index's directory.
 */
public final class ShardedSafetensors implements TensorSource {
    public static final String DEFAULT_INDEX = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private final Path index;
    private final Map<String, String> weightMap;
    private final Map<String, SafetensorsFile> shards;
    private final Map<String, String> metadata;

    private ShardedSafetensors(Path index, Map<String, String> weightMap, Map<String, SafetensorsFile> shards,
                               Map<String, String> metadata) {
        this.index = index;
        this.weightMap = Collections.unmodifiableMap(weightMap);
        this.shards = Collections.unmodifiableMap(shards);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Opens the index file and all the shards it names. */
    public static ShardedSafetensors open(Path indexFile) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(indexFile));
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new SafetensorsException(indexFile + ": malformed index JSON" + where + ": "
                    + String.valueOf(e.getOriginalMessage()).replace("Duplicate field '", "duplicate tensor name '"), e);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(indexFile + ": no such index file", e);
        }
        if (root == null || !root.isObject()) throw SafetensorsException.of(indexFile, "index is not a JSON object");
        JsonNode wm = root.get("weight_map");
        if (wm == null || !wm.isObject()) {
            throw SafetensorsException.of(indexFile, "missing or non-object 'weight_map' (tensor name -> shard file)");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = wm.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw SafetensorsException.of(indexFile, e.getKey(), "weight_map value must be a shard file name, got " + e.getValue());
            }
            weightMap.put(e.getKey(), e.getValue().textValue());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode md = root.get("metadata");
        if (md != null && !md.isNull()) {
            if (!md.isObject()) throw SafetensorsException.of(indexFile, "'metadata' must be an object, got " + md.getNodeType());
            md.fields().forEachRemaining(e -> metadata.put(e.getKey(),
                    e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
        }
        Path dir = indexFile.toAbsolutePath().getParent().normalize();
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String file = e.getValue();
                if (!shards.containsKey(file)) shards.put(file, openShard(indexFile, resolveShard(indexFile, dir, e.getKey(), file), e.getKey()));
                SafetensorsFile shard = shards.get(file);
                if (!shard.contains(e.getKey())) {
                    throw SafetensorsException.of(indexFile, e.getKey(), "listed in weight_map under '" + file + "' but "
                            + shard.path() + " does not hold it");
                }
            }
            for (Map.Entry<String, SafetensorsFile> s : shards.entrySet()) {
                for (String name : s.getValue().names()) {
                    if (!s.getKey().equals(weightMap.get(name))) {
                        throw SafetensorsException.of(indexFile, name, "held by shard " + s.getValue().path() + " but weight_map "
                                + (weightMap.containsKey(name) ? "puts it in '" + weightMap.get(name) + "'" : "does not list it"));
                    }
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            for (SafetensorsFile f : shards.values()) {
                try {
                    f.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new ShardedSafetensors(indexFile, weightMap, shards, metadata);
    }

    private static SafetensorsFile openShard(Path indexFile, Path shard, String tensor) throws IOException {
        try {
            return SafetensorsFile.open(shard);
        } catch (SafetensorsException e) {
            throw new SafetensorsException(indexFile + ": tensor '" + tensor + "': cannot open its shard: " + e.getMessage(), e);
        }
    }

    private static Path resolveShard(Path indexFile, Path dir, String tensor, String file) throws SafetensorsException {
        Path p;
        try {
            p = dir.resolve(file).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw SafetensorsException.of(indexFile, tensor, "invalid shard file name '" + file + "'");
        }
        if (Path.of(file).isAbsolute() || !p.startsWith(dir) || p.equals(dir)) {
            throw SafetensorsException.of(indexFile, tensor, "shard file '" + file + "' must be a relative path inside " + dir);
        }
        return p;
    }

    public Path indexFile() { return index; }

    /** Tensor name to shard file name, in index order. */
    public Map<String, String> weightMap() { return weightMap; }

    /** The opened shards by file name. */
    public Map<String, SafetensorsFile> shards() { return shards; }

    @Override
    public Set<String> names() { return weightMap.keySet(); }

    @Override
    public boolean contains(String name) { return weightMap.containsKey(name); }

    @Override
    public TensorInfo info(String name) throws SafetensorsException { return shard(name).info(name); }

    /** The index's {@code metadata} (e.g. {@code total_size}), values as text. */
    @Override
    public Map<String, String> metadata() { return metadata; }

    @Override
    public float[] floats(String name) throws IOException { return shard(name).floats(name); }

    @Override
    public double[] doubles(String name) throws IOException { return shard(name).doubles(name); }

    @Override
    public int[] ints(String name) throws IOException { return shard(name).ints(name); }

    @Override
    public long[] longs(String name) throws IOException { return shard(name).longs(name); }

    @Override
    public byte[] bytes(String name) throws IOException { return shard(name).bytes(name); }

    /** The shard that holds {@code name}. */
    public SafetensorsFile shard(String name) throws SafetensorsException {
        String file = weightMap.get(name);
        if (file == null) {
            throw SafetensorsException.of(index, name, "no such tensor in weight_map (" + weightMap.size() + " tensors)");
        }
        return shards.get(file);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : shards.values()) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
