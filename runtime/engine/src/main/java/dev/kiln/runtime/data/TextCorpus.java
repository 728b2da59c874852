package dev.kiln.runtime.data;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A UTF-8 text file as a dataset of documents, each an {@link Example} with a {@code text} field
 * and source {@code file:line} (the document's first line).
 *
 * <p>{@code document_separator} decides where documents end:
 * <ul>
 *   <li>default {@code "\n\n\n"}: two blank lines end a document (one blank line is a paragraph
 *       break inside it);</li>
 *   <li>{@code "none"}: the whole file is one document;</li>
 *   <li>any other value without a newline, e.g. {@code "<|endoftext|>"} or {@code "---"}: a line
 *       holding only that string (trailing spaces ignored);</li>
 *   <li>any other value with a newline: that literal string.</li>
 * </ul>
 * Line endings are normalised to {@code \n}; documents are trimmed of surrounding blank lines and
 * empty ones are dropped.
 */
public final class TextCorpus {
    public static final String DEFAULT_SEPARATOR = "\n\n\n";
    public static final String WHOLE_FILE = "none";

    /** A train / validation split of one dataset. */
    public record Split(Dataset train, Dataset validation) {}

    private TextCorpus() {}

    /** Reads with the default separator (two blank lines). */
    public static Dataset read(Path file) throws DataFileException {
        return read(file, DEFAULT_SEPARATOR);
    }

    /** Reads with the {@code document_separator} key of a config section (strict: finish() is the caller's). */
    public static Dataset read(Path file, Config section) throws DataFileException {
        return read(file, section.getString("document_separator", DEFAULT_SEPARATOR));
    }

    public static Dataset read(Path file, String documentSeparator) throws DataFileException {
        if (documentSeparator == null || documentSeparator.isEmpty())
            throw new IllegalArgumentException(file + ": document_separator must not be empty (use \"none\" for one document per file)");
        String text = Utf8Files.read(file).replace("\r\n", "\n").replace('\r', '\n');
        List<Example> docs = new ArrayList<>();
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        if (documentSeparator.equals(WHOLE_FILE)) {
            addDocument(docs, file, text, 0, text.length());
        } else if (documentSeparator.indexOf('\n') >= 0) {
            int start = 0;
            for (int at = text.indexOf(documentSeparator); at >= 0; at = text.indexOf(documentSeparator, start)) {
                addDocument(docs, file, text, start, at);
                start = at + documentSeparator.length();
            }
            addDocument(docs, file, text, start, text.length());
        } else {
            int start = 0, lineStart = 0;
            while (lineStart <= text.length()) {
                int end = text.indexOf('\n', lineStart);
                if (end < 0) end = text.length();
                if (text.substring(lineStart, end).stripTrailing().equals(documentSeparator)) {
                    addDocument(docs, file, text, start, lineStart);
                    start = Math.min(text.length(), end + 1);
                }
                lineStart = end + 1;
            }
            addDocument(docs, file, text, start, text.length());
        }
        return new Dataset(name, docs);
    }

    /** Adds text[from, to) trimmed of blank lines, with its first line number, unless it is blank. */
    private static void addDocument(List<Example> out, Path file, String text, int from, int to) {
        int s = from, e = to;
        while (s < e && Character.isWhitespace(text.charAt(s))) s++;
        while (e > s && Character.isWhitespace(text.charAt(e - 1))) e--;
        if (s == e) return;
        int lineStart = Math.max(from, text.lastIndexOf('\n', s - 1) + 1);          // keep the first line's indentation
        out.add(Example.text(text.substring(lineStart, e), file + ":" + lineOf(text, lineStart)));
    }

    static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) if (text.charAt(i) == '\n') line++;
        return line;
    }

    /**
     * A deterministic split: with several documents, round(fraction·N) documents chosen with
     * {@code seed} (at least 1, at most N − 1) go to validation, both sides keeping file order.
     * A single document is cut at a character offset instead: its last ⌈fraction⌉ share (moved
     * forward to the next line start when one is near) becomes the validation document. A fraction
     * of 0 gives an empty validation set.
     */
    public static Split split(Dataset data, double fraction, long seed) {
        if (!(fraction >= 0 && fraction < 1))
            throw new IllegalArgumentException(data.name() + ": validation fraction must be in [0, 1), got " + fraction);
        List<Example> all = data.examples();
        if (fraction == 0 || all.isEmpty()) return new Split(rename(data, "train", all), rename(data, "validation", List.of()));
        if (all.size() == 1) return splitOne(data, all.get(0), fraction);
        int n = all.size(), k = (int) Math.max(1, Math.min(n - 1, Math.round(fraction * n)));
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Random rng = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Integer t = order[i]; order[i] = order[j]; order[j] = t;
        }
        boolean[] held = new boolean[n];
        for (int i = 0; i < k; i++) held[order[i]] = true;
        List<Example> train = new ArrayList<>(n - k), val = new ArrayList<>(k);
        for (int i = 0; i < n; i++) (held[i] ? val : train).add(all.get(i));
        return new Split(rename(data, "train", train), rename(data, "validation", val));
    }

    private static Split splitOne(Dataset data, Example doc, double fraction) {
        String text = doc.text();
        int cut = (int) Math.round(text.length() * (1 - fraction));
        int nextLine = text.indexOf('\n', cut);
        if (nextLine >= 0 && nextLine + 1 < text.length() && nextLine - cut < Math.max(200, text.length() / 100)) cut = nextLine + 1;
        if (cut > 0 && cut < text.length() && Character.isLowSurrogate(text.charAt(cut))) cut++;
        cut = Math.max(1, Math.min(text.length() - 1, cut));
        if (text.length() < 2) return new Split(rename(data, "train", List.of(doc)), rename(data, "validation", List.of()));
        Example train = new Example(withText(doc, text.substring(0, cut)), doc.source(), doc.baseDir());
        Example val = new Example(withText(doc, text.substring(cut)), doc.source() + "@char" + cut, doc.baseDir());
        return new Split(rename(data, "train", List.of(train)), rename(data, "validation", List.of(val)));
    }

    private static Map<String, Object> withText(Example doc, String text) {
        Map<String, Object> m = new LinkedHashMap<>(doc.fields());
        m.put("text", text);
        return m;
    }

    private static Dataset rename(Dataset data, String part, List<Example> examples) {
        return new Dataset(data.name() + "/" + part, List.copyOf(examples));
    }
}
