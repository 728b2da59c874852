package dev.kiln.runtime.hf;

import dev.kiln.api.io.AtomicFiles;
import dev.kiln.api.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An export's target directory, replaced as a whole: the new export is written into a temporary
 * sibling and moved into place only once complete, so a failed or interrupted export never
 * leaves a half-written directory over a good one. A target that exists must be empty or an
 * earlier export (its config.json has the {@value #MARKER} key); anything else is refused.
 */
final class ExportDirectory {
    /** The config.json key that marks a directory Kiln exported (transformers ignores it). */
    static final String MARKER = "kiln";

    @FunctionalInterface
    interface Filler {
        void fill(Path dir) throws IOException;
    }

    private ExportDirectory() {}

    /** Fails, naming {@code out}, when it holds something other than an earlier export. */
    static void checkReplaceable(Path out) throws IOException {
        if (!Files.exists(out)) return;
        if (!Files.isDirectory(out)) throw new HfCheckpointException(out + ": exists and is not a directory; choose another --out");
        try (Stream<Path> s = Files.list(out)) {
            if (s.findAny().isEmpty()) return;
        }
        if (!isExport(out))
            throw new HfCheckpointException(out + ": exists, is not empty and is not an earlier Kiln export (no config.json with a '"
                    + MARKER + "' key); refusing to replace it, choose an empty or new directory");
    }

    static boolean isExport(Path dir) {
        Path cfg = dir.resolve(HfCheckpoints.CONFIG);
        if (!Files.isRegularFile(cfg)) return false;
        try {
            return Json.read(cfg) instanceof Map<?, ?> json && json.get(MARKER) instanceof Map<?, ?>;
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes a new {@code out} with {@code filler} and swaps it in; an error leaves {@code out} as it was. */
    static void replace(Path out, Filler filler) throws IOException {
        checkReplaceable(out);
        Path abs = out.toAbsolutePath().normalize();
        Path parent = Files.createDirectories(abs.getParent());
        String name = abs.getFileName().toString();
        Path tmp = Files.createDirectory(AtomicFiles.tempSibling(parent, name));
        try {
            filler.fill(tmp);
        } catch (IOException | RuntimeException | Error e) {
            deleteTree(tmp);
            throw e;
        }
        if (Files.exists(abs)) {
            Path old = AtomicFiles.tempSibling(parent, name + ".old");
            AtomicFiles.moveAtomically(abs, old);
            AtomicFiles.moveAtomically(tmp, abs);
            deleteTree(old);
        } else {
            AtomicFiles.moveAtomically(tmp, abs);
        }
        AtomicFiles.fsyncDirectory(parent);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
