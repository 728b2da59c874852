package dev.kiln.api.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
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
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(indexFile);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(indexFile + ": no such index file", e);
        }
        if (!(SafetensorsHeader.parseJson(indexFile, "index JSON", bytes) instanceof Map<?, ?> root)) {
            throw SafetensorsException.of(indexFile, "index is not a JSON object");
        }
        if (!(root.get("weight_map") instanceof Map<?, ?> wm)) {
            throw SafetensorsException.of(indexFile, "missing or non-object 'weight_map' (tensor name -> shard file)");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : wm.entrySet()) {
            String name = (String) e.getKey();
            if (!(e.getValue() instanceof String shard)) {
                throw SafetensorsException.of(indexFile, name, "weight_map value must be a shard file name, got "
                        + SafetensorsHeader.describe(e.getValue()));
            }
            weightMap.put(name, shard);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        Object md = root.get("metadata");
        if (md != null) {
            if (!(md instanceof Map<?, ?> m)) {
                throw SafetensorsException.of(indexFile, "'metadata' must be an object, got " + SafetensorsHeader.describe(md));
            }
            m.forEach((k, v) -> metadata.put((String) k, v instanceof String str ? str : Json.compact(v)));
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
