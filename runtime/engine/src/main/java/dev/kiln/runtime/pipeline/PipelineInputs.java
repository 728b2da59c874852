package dev.kiln.runtime.pipeline;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.data.JsonlReader;
import dev.kiln.runtime.data.TextCorpus;
import dev.kiln.runtime.data.TsvReader;
import dev.kiln.runtime.data.prepared.PreparedCorpus;
import dev.kiln.runtime.data.prepared.PreparedManifest;
import dev.kiln.runtime.tokenizer.SpecialTokenSplitting;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import dev.kiln.runtime.train.TrainSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.kiln.api.data.Example;

/** The tokenizer and data sections of a pipeline config. */
final class PipelineInputs {
    private PipelineInputs() {}

    /** Train, validation and test splits (validation may be empty, test null). */
    record Splits(Dataset train, Dataset validation, Dataset test) {}

    static Tokenizer tokenizer(Config section, Path configDir) {
        Tokenizer t = TokenizerSpec.standard(configDir).create(section);
        section.finish();
        return t;
    }

    /**
     * {@code data.split_special_tokens} (transformers' argument: true encodes special-token strings in the
     * data as plain text; default false, their ids) applied to the run's tokenizer.
     */
    static Tokenizer specialTokens(Config root, Tokenizer tokenizer) {
        Config data = root.section("data");
        if (!data.has(SpecialTokenSplitting.KEY)) return tokenizer;
        boolean split = data.getBoolean(SpecialTokenSplitting.KEY, false);
        try {
            return SpecialTokenSplitting.apply(tokenizer, split);
        } catch (IllegalArgumentException e) {
            throw data.error(SpecialTokenSplitting.KEY, e.getMessage());
        }
    }

    /** The {@code train} section's keys and ranges, checked on a copy (the run reads the section itself later). */
    @SuppressWarnings("unchecked")
    static void checkTrain(Config root) {
        if (root.raw().get("train") instanceof Map<?, ?> m)
            TrainSettings.fromConfig(new Config(root.section() + ".train", (Map<String, ?>) m));
    }

    static void saveTokenizer(Tokenizer tokenizer, Path modelDir) throws IOException {
        TokenizerSpec.standard().save(tokenizer, modelDir);
    }

    /**
     * data: {@code train} (a path, relative to the config file), {@code validation} (a path) or
     * {@code validation_fraction} (default 0.1, a deterministic split of train), {@code format}
     * (text | jsonl | tsv; by default from the extension), {@code document_separator} (text),
     * {@code test} (a path: held out from training and model selection, evaluated once at the end),
     * {@code rename} (a map old field → new field applied to every split, e.g. a TSV column
     * {@code sentence} to {@code text}). A {@code train} naming a directory made by {@code kiln prepare}
     * reads the prepared shards instead (see {@link #prepared}).
     */
    static Splits data(Config section, Path configDir, long seed, Tokenizer tokenizer) throws IOException {
        section.has(SpecialTokenSplitting.KEY);                   // applied to the tokenizer before (see specialTokens)
        Path named = configDir.resolve(section.requireString("train")).normalize();
        if (Files.isDirectory(named)) return prepared(section, configDir, named, tokenizer);
        Path train = resolve(configDir, section.requireString("train"), section, "train");
        String validation = section.getString("validation", null);
        String test = section.getString("test", null);
        double fraction = section.getDouble("validation_fraction", 0.1);
        String format = section.getChoice("format", formatOf(train), "text", "jsonl", "tsv");
        Map<String, String> rename = renames(section);
        Dataset trainSet = nonEmpty(read(train, format, section, rename), train, section, "train");
        Dataset testSet = test == null ? null : nonEmpty(read(resolve(configDir, test, section, "test"), format, section, rename),
                resolve(configDir, test, section, "test"), section, "test");
        Splits out;
        if (validation != null) {
            Path file = resolve(configDir, validation, section, "validation");
            out = new Splits(trainSet, nonEmpty(read(file, format, section, rename), file, section, "validation"), testSet);
        } else {
            // one text document is cut in two; one structured example (messages, a prompt and its answers) cannot be
            if (fraction > 0 && trainSet.size() == 1 && !trainSet.examples().get(0).has("text"))
                throw section.error("validation_fraction", fraction + " of " + train + " cannot be held out: it holds one example,"
                        + " and only a text document is cut in two (add examples, name data.validation, or set validation_fraction to 0)");
            TextCorpus.Split s = TextCorpus.split(trainSet, fraction, seed);
            out = new Splits(s.train(), s.validation(), testSet);
        }
        section.finish();
        return out;
    }

    /** A split file named in the config must hold examples: an empty one is a mistake, not "no validation". */
    private static Dataset nonEmpty(Dataset d, Path file, Config section, String key) {
        if (d.size() == 0) throw section.error(key, "names " + file + ", which holds no examples (" + (key.equals("validation")
                ? "remove data.validation to split validation_fraction of train instead" : "an empty file") + ")");
        return d;
    }

    /**
     * {@code data.train} naming a directory made by {@code kiln prepare}: train and validation come
     * from its shards (made with this tokenizer, or refused); only {@code test} may be added.
     */
    private static Splits prepared(Config section, Path configDir, Path dir, Tokenizer tokenizer) throws IOException {
        if (!PreparedCorpus.isPrepared(dir))
            throw section.error("train", "names the directory " + dir + ", which holds no prepared corpus (" + PreparedManifest.FILE
                    + "); run `kiln prepare --config FILE --out " + dir + "` first, or name a text, JSONL or TSV file");
        PreparedCorpus corpus = PreparedCorpus.open(dir);
        PreparedManifest m = corpus.manifest();
        if (section.has("validation"))
            throw section.error("validation", "does not apply to a prepared corpus (" + dir + "): its validation split was made by `kiln prepare`; remove it");
        Map<String, Object> recorded = Map.of("validation_fraction", m.validationFraction(),
                "document_separator", String.valueOf(m.source().get("document_separator")), "field", String.valueOf(m.source().get("field")));
        for (var e : recorded.entrySet()) {
            if (!section.has(e.getKey())) continue;
            Object mine = e.getValue() instanceof Double ? (Object) section.getDouble(e.getKey(), 0) : section.getString(e.getKey(), null);
            if (!mine.equals(e.getValue()))
                throw section.error(e.getKey(), "is " + mine + ", but " + dir + " was prepared with " + e.getValue()
                        + "; prepare again with the new value, or remove the key");
        }
        if (!section.has("test")) { section.getString("format", null); renames(section); }   // the preparation's; a test file uses them
        corpus.checkTokenizer(tokenizer, TokenizerSpec.standard().fingerprint(tokenizer));
        Dataset train = corpus.dataset("train", tokenizer);
        Dataset validation = corpus.has("validation") ? corpus.dataset("validation", tokenizer) : new Dataset(dir.getFileName() + "/validation", List.of());
        String test = section.getString("test", null);
        Dataset testSet = test == null ? null : dataset(section, configDir, "test");
        section.finish();
        return new Splits(train, validation, testSet);
    }

    private static Dataset read(Path file, String format, Config section, Map<String, String> rename) throws IOException {
        Dataset d = switch (format) {
            case "jsonl" -> JsonlReader.read(file);
            case "tsv" -> TsvReader.read(file);
            default -> TextCorpus.read(file, section);
        };
        if (rename.isEmpty()) return d;
        List<Example> out = new ArrayList<>(d.size());
        for (Example ex : d.examples()) {
            Map<String, Object> fields = new LinkedHashMap<>();
            for (var e : ex.fields().entrySet()) fields.put(rename.getOrDefault(e.getKey(), e.getKey()), e.getValue());
            out.add(new Example(fields, ex.source(), ex.baseDir()));
        }
        return new Dataset(d.name(), out);
    }

    /** One dataset named by {@code key} in a section, with that section's {@code format} and {@code rename}. */
    static Dataset dataset(Config section, Path configDir, String key) throws IOException {
        Path file = resolve(configDir, section.requireString(key), section, key);
        String format = section.getChoice("format", formatOf(file), "text", "jsonl", "tsv");
        return read(file, format, section, renames(section));
    }

    private static Map<String, String> renames(Config section) {
        if (!section.has("rename")) return Map.of();
        if (!(section.raw().get("rename") instanceof Map<?, ?> m))
            throw section.error("rename", "must be a map of field names, e.g. {sentence: text}");
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
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
