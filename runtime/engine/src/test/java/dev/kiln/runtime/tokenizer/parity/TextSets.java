package dev.kiln.runtime.tokenizer.parity;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The inputs every parity file is checked on: "hard" (Kiln's own hard set: scripts, emoji,
 * whitespace, control characters, numbers, long words, code; test resource hard-set.json),
 * "specials" (special-token strings inside text; specials-in-text.json) and "shakespeare" (every
 * line of shared/data/tinyshakespeare/input.txt, read in place).
 */
final class TextSets {
    static final List<String> NAMES = List.of("hard", "specials", "shakespeare");

    private TextSets() {}

    static List<String> lines(String set) {
        return switch (set) {
            case "hard" -> resource("/tokenizer-parity/hard-set.json");
            case "specials" -> resource("/tokenizer-parity/specials-in-text.json");
            case "shakespeare" -> shakespeare();
            default -> throw new IllegalArgumentException("no text set '" + set + "' (known: " + NAMES + ")");
        };
    }

    /** tinyshakespeare's lines, or a skip (a failure under CI) when shared/ is absent. */
    static List<String> shakespeare() {
        Optional<Path> file = ParityEnv.shared("data", "tinyshakespeare", "input.txt");
        ParityEnv.require(file.isPresent(), "shared/data/tinyshakespeare/input.txt not found next to the clone");
        try {
            return Files.readAllLines(file.get(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> resource(String path) {
        try (InputStream in = TextSets.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException(path + ": not on the test class path");
            Map<String, Object> json = new ObjectMapper().readValue(in, Map.class);
            return List.copyOf((List<String>) json.get("lines"));
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": " + e.getMessage(), e);
        }
    }
}
