package dev.kiln.runtime.pipeline;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.data.JsonlReader;
import dev.kiln.runtime.data.TextCorpus;
import dev.kiln.runtime.data.TsvReader;
import dev.kiln.runtime.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tokenizer and data sections of a pipeline config. */
final class PipelineInputs {
    private PipelineInputs() {}

    /** Train and validation splits (validation may be empty). */
    record Splits(Dataset train, Dataset validation) {}

    static Tokenizer tokenizer(Config section, Path configDir) {
        Tokenizer t = TokenizerSpec.standard(configDir).create(section);
        section.finish();
        return t;
    }

    static Tokenizer loadTokenizer(Path modelDir) throws IOException {
        return TokenizerSpec.standard().load(modelDir);
    }

    static void saveTokenizer(Tokenizer tokenizer, Path modelDir) throws IOException {
        TokenizerSpec.standard().save(tokenizer, modelDir);
    }

    /**
     * data: {@code train} (a path, relative to the config file), {@code validation} (a path) or
     * {@code validation_fraction} (default 0.1, a deterministic split of train), {@code format}
     * (text | jsonl | tsv; by default from the extension), {@code document_separator} (text).
     */
    static Splits data(Config section, Path configDir, long seed) throws IOException {
        Path train = resolve(configDir, section.requireString("train"), section, "train");
        String validation = section.getString("validation", null);
        double fraction = section.getDouble("validation_fraction", 0.1);
        String format = section.getChoice("format", formatOf(train), "text", "jsonl", "tsv");
        Dataset trainSet = read(train, format, section);
        Splits out;
        if (validation != null) {
            out = new Splits(trainSet, read(resolve(configDir, validation, section, "validation"), format, section));
        } else {
            TextCorpus.Split s = TextCorpus.split(trainSet, fraction, seed);
            out = new Splits(s.train(), s.validation());
        }
        section.finish();
        return out;
    }

    private static Dataset read(Path file, String format, Config section) throws IOException {
        return switch (format) {
            case "jsonl" -> JsonlReader.read(file);
            case "tsv" -> TsvReader.read(file);
            default -> TextCorpus.read(file, section);
        };
    }

    private static String formatOf(Path file) {
        String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".jsonl") ? "jsonl" : n.endsWith(".tsv") ? "tsv" : "text";
    }

    private static Path resolve(Path configDir, String path, Config section, String key) {
        Path p = configDir.resolve(path).normalize();
        if (!Files.isRegularFile(p)) throw section.error(key, "names " + p + ", which is not a readable file");
        return p;
    }
}
