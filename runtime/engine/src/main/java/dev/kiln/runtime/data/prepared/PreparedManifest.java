package dev.kiln.runtime.data.prepared;

import dev.kiln.api.io.AtomicFiles;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kiln-prepared.json}: what a prepared corpus holds and how it was made. It is written last,
 * so its presence means the shards are complete.
 *
 * @param tokenizerFingerprint "sha256:…" of the tokenizer's tokenizer.json (training with another tokenizer is refused)
 * @param width                bytes per token: 2 (uint16, vocabulary ≤ 65,536) or 4 (uint32)
 * @param sources              the source files with their sizes and SHA-256
 * @param source               how they were read: format, field, document_separator
 * @param splits               "train" and "validation" (when any document went there)
 */
public record PreparedManifest(String tokenizerName, int vocabSize, String tokenizerFingerprint, int width, long shardTokens,
                               List<SourceFile> sources, Map<String, Object> source, double validationFraction, long seed,
                               Map<String, Split> splits, long textBytes, double seconds) {
    public static final String FILE = "kiln-prepared.json";
    static final int VERSION = 1;

    /** A source file as it was when prepared. */
    public record SourceFile(String path, long bytes, String sha256) {}

    /** A split's size. */
    public record Split(long documents, long tokens) {}

    public static boolean isPrepared(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    public String dtype() { return width == 2 ? "uint16" : "uint32"; }

    public void write(Path dir) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", "kiln-prepared");
        root.put("version", VERSION);
        root.put("tokenizer", Map.of("name", tokenizerName, "vocab_size", vocabSize, "fingerprint", tokenizerFingerprint));
        root.put("dtype", dtype());
        root.put("shard_tokens", shardTokens);
        List<Object> files = new ArrayList<>();
        for (SourceFile f : sources) files.add(Map.of("path", f.path(), "bytes", f.bytes(), "sha256", f.sha256()));
        Map<String, Object> src = new LinkedHashMap<>(source);
        src.put("files", files);
        root.put("source", src);
        root.put("validation_fraction", validationFraction);
        root.put("seed", seed);
        Map<String, Object> sp = new LinkedHashMap<>();
        splits.forEach((k, v) -> sp.put(k, Map.of("documents", v.documents(), "tokens", v.tokens())));
        root.put("splits", sp);
        root.put("text_bytes", textBytes);
        root.put("seconds", seconds);
        AtomicFiles.writeString(dir.resolve(FILE), Json.pretty(root) + "\n");
    }

    public static PreparedManifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file))
            throw new IOException(dir + ": not a prepared corpus (no " + FILE + "; an interrupted `kiln prepare` resumes when run again)");
        JsonObject j = Json.readObject(file);
        if (!"kiln-prepared".equals(j.string("format"))) throw j.error("format", "must be \"kiln-prepared\"");
        int version = j.requiredInteger("version");
        if (version != VERSION) throw j.error("version", "is " + version + "; this Kiln reads version " + VERSION + " (prepare again)");
        JsonObject tok = required(j, "tokenizer");
        String dtype = j.string("dtype");
        if (!"uint16".equals(dtype) && !"uint32".equals(dtype)) throw j.error("dtype", "must be \"uint16\" or \"uint32\", got " + dtype);
        List<SourceFile> sources = new ArrayList<>();
        JsonObject src = required(j, "source");
        Map<String, Object> how = new LinkedHashMap<>();
        for (String k : src.keys()) if (!k.equals("files")) how.put(k, src.get(k));
        if (src.get("files") instanceof List<?> list)
            for (Object o : list) {
                JsonObject f = JsonObject.of(o, file + ": source.files");
                sources.add(new SourceFile(f.string("path"), longValue(f, "bytes"), f.string("sha256")));
            }
        Map<String, Split> splits = new LinkedHashMap<>();
        JsonObject sp = required(j, "splits");
        for (String k : sp.keys()) {
            JsonObject s = sp.object(k);
            splits.put(k, new Split(longValue(s, "documents"), longValue(s, "tokens")));
        }
        if (!splits.containsKey("train")) throw sp.error("train", "is missing");
        Double fraction = j.number("validation_fraction"), seconds = j.number("seconds");
        return new PreparedManifest(tok.string("name"), tok.requiredInteger("vocab_size"), tok.string("fingerprint"),
                dtype.equals("uint16") ? 2 : 4, longValue(j, "shard_tokens"), sources, how, fraction == null ? 0 : fraction,
                longValue(j, "seed"), splits, j.has("text_bytes") ? longValue(j, "text_bytes") : 0, seconds == null ? 0 : seconds);
    }

    private static JsonObject required(JsonObject j, String key) throws IOException {
        JsonObject o = j.object(key);
        if (o == null) throw j.error(key, "is missing");
        return o;
    }

    static long longValue(JsonObject j, String key) throws IOException {
        if (j.get(key) instanceof Long n && n >= 0) return n;
        throw j.error(key, "must be a whole number >= 0, got " + j.get(key));
    }
}
