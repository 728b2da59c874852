package dev.kiln.runtime.data.prepared;

import java.nio.file.Path;
import java.util.Locale;

/**
 * How source files are read into documents: {@code text} (documents cut by a separator, as
 * {@link dev.kiln.runtime.data.TextCorpus} does), {@code jsonl} or {@code tsv} (one document per
 * record: its {@code field}). A {@code .gz} suffix means gzip, whatever the format.
 */
record SourceFormat(String format, String field, String separator) {
    static final String TEXT = "text", JSONL = "jsonl", TSV = "tsv";

    /** The format a file name implies (its extension, under any .gz). */
    static String of(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) n = n.substring(0, n.length() - 3);
        return n.endsWith(".jsonl") ? JSONL : n.endsWith(".tsv") ? TSV : TEXT;
    }

    static boolean gzipped(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
    }
}
