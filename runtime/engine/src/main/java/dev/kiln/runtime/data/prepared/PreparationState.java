package dev.kiln.runtime.data.prepared;

import dev.kiln.api.io.AtomicFiles;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code kiln-prepare-progress.json}: how far an unfinished preparation got, rewritten atomically
 * at each commit. A rerun with the same settings truncates the shards back to it and skips the
 * source pieces already written; different settings are refused rather than mixed in.
 *
 * @param settings  what the shards depend on (tokenizer fingerprint, sources, format, split, shard size)
 * @param pieces    source pieces consumed (across all sources, in order)
 * @param documents documents started (for the split draw)
 */
record PreparationState(String settings, long pieces, long documents, TokenSplitWriter.Position train,
                        TokenSplitWriter.Position validation, long textBytes) {
    static final String FILE = "kiln-prepare-progress.json";

    void write(Path dir) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("settings", settings);
        m.put("pieces", pieces);
        m.put("documents", documents);
        m.put("train", Map.of("tokens", train.tokens(), "documents", train.documents()));
        m.put("validation", Map.of("tokens", validation.tokens(), "documents", validation.documents()));
        m.put("text_bytes", textBytes);
        AtomicFiles.writeString(dir.resolve(FILE), Json.pretty(m) + "\n");
    }

    /** The saved state, or null when there is none. */
    static PreparationState read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return null;
        JsonObject j = Json.readObject(file);
        return new PreparationState(j.string("settings"), PreparedManifest.longValue(j, "pieces"), PreparedManifest.longValue(j, "documents"),
                position(j.object("train")), position(j.object("validation")), PreparedManifest.longValue(j, "text_bytes"));
    }

    private static TokenSplitWriter.Position position(JsonObject j) throws IOException {
        return new TokenSplitWriter.Position(PreparedManifest.longValue(j, "tokens"), PreparedManifest.longValue(j, "documents"));
    }
}
