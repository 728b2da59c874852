package dev.kiln.runtime.data.prepared;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonException;
import dev.kiln.runtime.data.DataFileException;
import dev.kiln.runtime.data.TextCorpus;
import dev.kiln.runtime.data.TsvReader;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * Streams one source file as {@link SourcePiece}s, never holding more than one document (or a
 * 1 MiB piece of a long one): text with {@link TextCorpus}'s separator rules (line endings
 * normalized, documents trimmed of surrounding blank lines, blank ones dropped), JSONL and TSV one
 * document per record. Strict UTF-8; errors name the file and line. Counts the file's bytes as they
 * are read and hashes them (SHA-256 of the file as stored, compressed or not).
 */
final class SourceReader implements Closeable {
    static final int PIECE_CHARS = 1 << 20;

    private final Path file;
    private final SourceFormat how;
    private final MessageDigest sha;
    private final BufferedReader in;
    private final ArrayDeque<SourcePiece> ready = new ArrayDeque<>();
    private final StringBuilder doc = new StringBuilder();
    private boolean piecesEmitted, done;
    private int lineNo, docLine;
    private List<String> header;
    private int fieldColumn = -1;
    private final long tailFrom;
    private long charsSeen;
    private boolean tailStarted;

    /**
     * @param tailFrom with document_separator {@code none}: start a second document at the first line
     *                 beginning at or after this many characters (the held-out tail), or -1
     */
    SourceReader(Path file, SourceFormat how, AtomicLong bytesRead, long tailFrom) throws IOException {
        this.tailFrom = tailFrom;
        this.file = file;
        this.how = how;
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        InputStream raw;
        try {
            raw = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, 0, "file not found", e);
        }
        InputStream counted = new FilterInputStream(new DigestInputStream(raw, sha)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) bytesRead.addAndGet(n);
                return n;
            }
        };
        InputStream body = SourceFormat.gzipped(file) ? new GZIPInputStream(counted, 1 << 16) : counted;
        this.in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
    }

    /** The next piece, or null at the end of the file. */
    SourcePiece next() throws IOException {
        while (ready.isEmpty() && !done) {
            String line = readLine();
            if (line == null) {
                done = true;
                if (how.format().equals(SourceFormat.TEXT)) endDocument(doc.length());
                break;
            }
            switch (how.format()) {
                case SourceFormat.JSONL -> jsonl(line);
                case SourceFormat.TSV -> tsv(line);
                default -> text(line);
            }
        }
        return ready.poll();
    }

    /** SHA-256 of the file's bytes (complete once {@link #next()} returned null). */
    String sha256() { return HexFormat.of().formatHex(sha.digest()); }

    private String readLine() throws IOException {
        try {
            String line = in.readLine();
            if (line == null) return null;
            if (++lineNo == 1 && line.startsWith("\uFEFF")) line = line.substring(1);       // a byte-order mark
            return line;
        } catch (CharacterCodingException e) {
            throw new DataFileException(file, lineNo + 1, "not valid UTF-8 (" + e.getMessage() + ")", e);
        }
    }

    private void text(String line) {
        charsSeen += line.length() + 1;
        String sep = how.separator();
        if (sep.equals(TextCorpus.WHOLE_FILE)) {
            if (tailFrom >= 0 && !tailStarted && charsSeen - line.length() - 1 >= tailFrom) {   // this line starts the tail
                endDocument(doc.length());
                tailStarted = true;
            }
            append(line);
        } else if (sep.indexOf('\n') < 0) {
            if (line.stripTrailing().equals(sep)) endDocument(doc.length());
            else append(line);
        } else {
            int from = Math.max(0, doc.length() - sep.length());
            append(line);
            for (int at = doc.indexOf(sep, from); at >= 0; at = doc.indexOf(sep, 0)) {
                String rest = doc.substring(at + sep.length());
                endDocument(at);
                doc.append(rest);
                docLine = lineNo;
            }
        }
        if (doc.length() > PIECE_CHARS) emitPiece();
    }

    private void append(String line) {
        if (doc.length() == 0 && !piecesEmitted) docLine = lineNo;
        doc.append(line).append('\n');
    }

    /** Ends the document at doc[0, end) (the rest is cleared): trimmed, dropped when blank. */
    private void endDocument(int end) {
        String text = doc.substring(0, end).stripTrailing();
        if (!piecesEmitted) text = dropLeadingBlankLines(text);
        if (!text.isEmpty() || piecesEmitted) ready.add(new SourcePiece(text, true, file + ":" + docLine));
        doc.setLength(0);
        piecesEmitted = false;
    }

    /** A long document goes out in line-aligned pieces, keeping memory bounded. */
    private void emitPiece() {
        int keep = Math.max(1, how.separator().length());          // a separator may be arriving across the cut
        int cut = doc.lastIndexOf("\n", doc.length() - 1 - keep) + 1;
        if (cut <= 0) cut = doc.length();
        String text = doc.substring(0, cut);
        if (!piecesEmitted) text = dropLeadingBlankLines(text);
        if (!text.isEmpty()) {
            ready.add(new SourcePiece(text, false, file + ":" + docLine));
            piecesEmitted = true;
        }
        doc.delete(0, cut);
    }

    /** Removes leading whitespace up to the start of the first line with text (keeping its indentation). */
    static String dropLeadingBlankLines(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        if (i == s.length()) return "";
        int lineStart = s.lastIndexOf('\n', i - 1) + 1;
        return s.substring(lineStart);
    }

    private void jsonl(String line) throws IOException {
        if (line.isBlank()) return;
        Object value;
        try {
            value = Json.parse(line, file + ":" + lineNo);
        } catch (JsonException e) {
            throw new DataFileException(file, lineNo, "malformed JSON: " + e.problem() + " (column " + e.column() + ")");
        }
        if (!(value instanceof Map<?, ?> m)) throw new DataFileException(file, lineNo, "expected a JSON object per line");
        Object v = m.get(how.field());
        if (!(v instanceof String s))
            throw new DataFileException(file, lineNo, v == null ? "missing field '" + how.field() + "' (has: " + m.keySet() + ")"
                    : "field '" + how.field() + "' must be a string");
        document(s);
    }

    private void tsv(String line) throws IOException {
        if (line.isBlank()) return;
        String[] cells = line.split("\t", -1);
        if (header == null) {
            header = List.of(cells).stream().map(String::strip).toList();
            fieldColumn = header.indexOf(how.field());
            if (fieldColumn < 0) throw new DataFileException(file, lineNo, "no column '" + how.field() + "' in the header (has: " + header + ")");
            return;
        }
        if (cells.length != header.size())
            throw new DataFileException(file, lineNo, "row has " + cells.length + " fields, the header has " + header.size());
        document(TsvReader.unescape(cells[fieldColumn]));
    }

    /** One record's text as it is (an empty one is dropped), in pieces when long. */
    private void document(String text) {
        int from = 0;
        while (from < text.length()) {
            int to = Math.min(text.length(), from + PIECE_CHARS);
            if (to < text.length() && Character.isHighSurrogate(text.charAt(to - 1))) to--;
            ready.add(new SourcePiece(text.substring(from, to), to == text.length(), file + ":" + lineNo));
            from = to;
        }
    }

    @Override
    public void close() throws IOException { in.close(); }
}
