package dev.kiln.runtime.pipeline;

import dev.kiln.api.config.Config;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.data.TextCorpus;
import dev.kiln.runtime.data.prepared.CorpusPreparer;
import dev.kiln.runtime.data.prepared.PreparedManifest;
import dev.kiln.runtime.tokenizer.SpecialTokenSplitting;
import dev.kiln.runtime.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code kiln prepare}: the pipeline config's {@code tokenizer} and {@code data} sections turned
 * into a {@link CorpusPreparer} run. {@code data.train} (and {@code data.validation}) is a file or a
 * glob ({@code corpus/*.jsonl.gz}, relative to the config file); {@code format},
 * {@code document_separator}, {@code field} (JSONL / TSV, default {@code text}, or the field that
 * {@code rename} maps to {@code text}), {@code validation_fraction} (default 0.1, by documents) and
 * the top-level {@code seed} mean what they mean for training. Other sections are not read.
 */
public final class CorpusPreparation {
    /** Tokens per shard file by default: 2²⁸ (512 MiB of uint16). */
    public static final long DEFAULT_SHARD_TOKENS = 1L << 28;

    private CorpusPreparation() {}

    public static PreparedManifest run(Map<String, Object> config, Path configDir, Path out, long shardTokens, int threads,
                                       CorpusPreparer.Listener listener) throws IOException {
        Config root = new Config("pipeline", config);
        long seed = root.getLong("seed", 1234);
        Tokenizer tokenizer = PipelineInputs.specialTokens(root, PipelineInputs.tokenizer(root.section("tokenizer"), configDir));
        Config data = root.section("data");
        data.has(SpecialTokenSplitting.KEY);
        List<Path> train = files(configDir, data.requireString("train"), data, "train");
        List<Path> validation = data.has("validation") ? files(configDir, data.requireString("validation"), data, "validation") : List.of();
        double fraction = data.getDouble("validation_fraction", 0.1);
        if (!(fraction >= 0 && fraction < 1)) throw data.error("validation_fraction", "must be in [0, 1), got " + fraction);
        String format = data.has("format") ? data.getChoice("format", "text", "text", "jsonl", "tsv") : null;
        String separator = data.getString("document_separator", TextCorpus.DEFAULT_SEPARATOR);
        String field = data.getString("field", renamedToText(data));
        if (shardTokens < 1024) throw new IllegalArgumentException("--shard-tokens must be >= 1024, got " + shardTokens);
        var settings = new CorpusPreparer.Settings(train, validation, format, field, separator, fraction, seed, shardTokens, threads);
        return new CorpusPreparer(tokenizer, TokenizerSpec.standard().fingerprint(tokenizer), settings, listener).prepare(out);
    }

    /** The field {@code rename} maps to {@code text} (e.g. a TSV column {@code sentence}), else {@code text}. */
    private static String renamedToText(Config data) {
        if (!data.has("rename") || !(data.raw().get("rename") instanceof Map<?, ?> m)) return "text";
        for (var e : m.entrySet()) if ("text".equals(String.valueOf(e.getValue()))) return String.valueOf(e.getKey());
        return "text";
    }

    /** A file, or the files a glob matches (sorted by path); none is an error naming the key. */
    static List<Path> files(Path configDir, String pattern, Config section, String key) {
        if (!pattern.contains("*") && !pattern.contains("?") && !pattern.contains("[")) {
            Path p = configDir.resolve(pattern).normalize();
            if (!Files.isRegularFile(p)) throw section.error(key, "names " + p + ", which is not a readable file");
            return List.of(p);
        }
        Path full = configDir.resolve(pattern).normalize();
        Path root = full.getRoot() == null ? Path.of("") : full.getRoot();
        for (Path part : full) {
            if (part.toString().matches(".*[*?\\[{].*")) break;
            root = root.resolve(part);
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + full);
        List<Path> out = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(Files::isRegularFile).filter(p -> matcher.matches(p.normalize())).sorted().forEach(out::add);
            } catch (IOException e) {
                throw section.error(key, "cannot list " + root + ": " + e.getMessage());
            }
        }
        if (out.isEmpty()) throw section.error(key, "matches no file (" + full + ")");
        return out;
    }
}
