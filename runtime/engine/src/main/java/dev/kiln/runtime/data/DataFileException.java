package dev.kiln.runtime.data;

import java.io.IOException;
import java.nio.file.Path;

/** A data file that cannot be read as asked: the message starts with {@code file[:line]}. */
public class DataFileException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final int line;

    /** @param line 1-based line, or 0 when the problem is the whole file */
    public DataFileException(Path file, int line, String what, Throwable cause) {
        super(file + (line > 0 ? ":" + line : "") + ": " + what, cause);
        this.file = file;
        this.line = line;
    }

    public DataFileException(Path file, int line, String what) {
        this(file, line, what, null);
    }

    public Path file() { return file; }

    /** 1-based line, or 0. */
    public int line() { return line; }
}
