package dev.kiln.runtime.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonException;
import dev.kiln.runtime.io.JsonValues;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads a pipeline description (YAML {@code .yaml}/{@code .yml} with Jackson's YAML reader, or JSON
 * {@code .json} with core-api's {@link Json}) into a
 * nested, mutable {@code Map<String, Object>} (maps, lists, strings, numbers, booleans, nulls),
 * then applies command-line overrides ({@link ConfigOverrides}). Sections are handed to plugins
 * as {@code new Config("train", (Map) root.get("train"))}.
 *
 * <p>YAML is read with YAML 1.2 scalars: only {@code true}/{@code false} are booleans
 * ({@code yes}, {@code on}, {@code no} stay strings). Duplicate keys are an error. Every error is
 * a {@link ConfigException} naming the file and, for syntax errors, the line and column.
 */
public final class PipelineConfigLoader {

    /** The two accepted syntaxes. */
    public enum Format {
        YAML, JSON;

        /** The format for a file name's extension; an unknown extension is an error naming the file. */
        public static Format of(Path file) {
            String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".yaml") || n.endsWith(".yml")) return YAML;
            if (n.endsWith(".json")) return JSON;
            throw new ConfigException("pipeline config " + file + ": unknown file type (expected .yaml, .yml or .json)");
        }
    }

    static final ObjectMapper YAML_MAPPER = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private PipelineConfigLoader() {}

    /** Reads {@code file}; the format follows its extension. */
    public static Map<String, Object> load(Path file) {
        return load(file, List.of());
    }

    /** Reads {@code file} and applies {@code overrides} ({@code key.sub.key=value}) in order. */
    public static Map<String, Object> load(Path file, List<String> overrides) {
        Format format = Format.of(file);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw withCause(new ConfigException("pipeline config " + file + ": no such file"), e);
        } catch (MalformedInputException e) {
            throw withCause(new ConfigException("pipeline config " + file + ": not valid UTF-8 text"), e);
        } catch (IOException e) {
            throw withCause(new ConfigException("pipeline config " + file + ": cannot read: " + e.getMessage()), e);
        }
        Map<String, Object> root = parse(text, format, file.toString());
        ConfigOverrides.apply(root, overrides);
        return root;
    }

    /**
     * Parses {@code text} in {@code format}; {@code source} names it in errors. An empty document
     * gives an empty map; a top level that is not a map is an error.
     */
    public static Map<String, Object> parse(String text, Format format, String source) {
        if (format == Format.JSON) return parseJson(text, source);
        refuseAliases(text, source);
        JsonNode node;
        try {
            node = YAML_MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw withDetail(new ConfigException(source + ": " + where(e.getLocation()) + describe(e.getOriginalMessage())), e);
        }
        if (node == null || node.isMissingNode() || node.isNull()) return new LinkedHashMap<>();
        Object value = toJava(node);
        if (!(value instanceof Map)) {
            throw new ConfigException(source + ": expected a map of sections at the top level, got " + node.getNodeType());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) value;
        return root;
    }

    /**
     * Jackson reads a YAML alias ({@code steps: *s}) as the anchor's name, the string "s", not as the anchored value: a
     * config using one would be read wrong without a word. Refused, naming where; a syntax error is left to readTree.
     */
    private static void refuseAliases(String text, String source) {
        try (YAMLParser p = (YAMLParser) YAML_MAPPER.getFactory().createParser(text)) {
            while (p.nextToken() != null)
                if (p.isCurrentAlias())
                    throw new ConfigException(source + ": " + where(p.currentTokenLocation()) + "YAML alias *" + p.getText()
                            + ": Kiln does not read aliases (the value would be read as the text '" + p.getText() + "'); write the value out");
        } catch (IOException e) {
            // not valid YAML: readTree reports it with its position
        }
    }

    /** JSON through core-api's parser, as {@link JsonValues#plain} values: the same Java types as YAML gives. */
    private static Map<String, Object> parseJson(String text, String source) {
        if (text.isBlank()) return new LinkedHashMap<>();
        Object value;
        try {
            value = JsonValues.plain(Json.parse(text.startsWith("\uFEFF") ? text.substring(1) : text, source));
        } catch (JsonException e) {
            throw withDetail(new ConfigException(source + ": line " + e.line() + ", column " + e.column() + ": " + e.problem()), e);
        }
        if (value == null) return new LinkedHashMap<>();
        if (!(value instanceof Map)) {
            String kind = value instanceof List ? "ARRAY" : value instanceof String ? "STRING" : value instanceof Boolean ? "BOOLEAN" : "NUMBER";
            throw new ConfigException(source + ": expected a map of sections at the top level, got " + kind);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) value;
        return root;
    }

    /** Plain Java values for a tree: LinkedHashMap, ArrayList, String, Integer/Long/BigInteger, Double, Boolean, null. */
    static Object toJava(JsonNode n) {
        switch (n.getNodeType()) {
            case OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    m.put(e.getKey(), toJava(e.getValue()));
                }
                return m;
            }
            case ARRAY -> {
                List<Object> l = new ArrayList<>(n.size());
                for (JsonNode c : n) l.add(toJava(c));
                return l;
            }
            case NUMBER -> {
                if (n.isInt()) return n.intValue();
                if (n.isLong()) return n.longValue();
                if (n.isBigInteger()) return n.bigIntegerValue();
                return n.doubleValue();
            }
            case BOOLEAN -> { return n.booleanValue(); }
            case STRING -> { return n.textValue(); }
            case NULL, MISSING -> { return null; }
            default -> { return n.asText(); }
        }
    }

    static String where(JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) return "";
        return "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
    }

    /** One line from a parser message: SnakeYAML's echo of the source and its caret are dropped. */
    static String describe(String message) {
        if (message == null) return "syntax error";
        List<String> kept = new ArrayList<>();
        for (String line : message.split("\\R")) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("in 'reader'") || t.startsWith("in '") || t.matches("\\^+")) continue;
            if (line.startsWith("    ")) continue;   // echoed source line
            kept.add(t);
        }
        String text = kept.isEmpty() ? message.trim() : String.join(" ", kept);
        if (text.startsWith("Trailing token")) return "more than one document, or content after the top-level value";
        return text.replace("Duplicate field '", "duplicate key '")
                .replaceAll(" \\(start marker at \\[Source: [^]]*\\]\\)", "");
    }

    /**
     * The parser's exception as a suppressed one: in stack traces, but not a cause, whose message
     * one-line error reports would repeat (Jackson's with its {@code [Source: ...]} echo).
     */
    static ConfigException withDetail(ConfigException e, Throwable detail) {
        e.addSuppressed(detail);
        return e;
    }

    static ConfigException withCause(ConfigException e, Throwable cause) {
        e.initCause(cause);
        return e;
    }
}
