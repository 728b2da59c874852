package dev.kiln.api.io;

import java.io.IOException;

/**
 * Text that is not JSON: where ({@link #source}, 1-based {@link #line} and {@link #column}) and
 * what ({@link #problem}), so that callers can word their own message. The message reads
 * {@code <source>: not valid JSON at line <line>, column <column>: <problem>}.
 */
public final class JsonException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String source, problem;
    private final int line, column;

    public JsonException(String source, int line, int column, String problem) {
        super(source + ": not valid JSON at line " + line + ", column " + column + ": " + problem);
        this.source = source;
        this.line = line;
        this.column = column;
        this.problem = problem;
    }

    /** What the text was called when parsed, e.g. the file. */
    public String source() { return source; }

    /** 1-based line of the first character that is not JSON (counted in the whole file for {@link Json#forEachLine}). */
    public int line() { return line; }

    /** 1-based column (in UTF-16 characters) on that line. */
    public int column() { return column; }

    /** What is wrong there, e.g. {@code expected ',', got '}'}. */
    public String problem() { return problem; }
}
