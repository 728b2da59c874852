package dev.kiln.cli;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashSet;
import java.util.Set;

/** One-line descriptions of the exceptions a command can end with. */
final class Errors {
    private Errors() {}

    /** The messages of the exception and its causes, deduplicated, joined with ": ". */
    static String describe(Throwable e) {
        Set<String> parts = new LinkedHashSet<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
            String m = message(t);
            if (m == null) continue;
            String raw = t.getMessage();
            boolean covered = parts.stream().anyMatch(p -> p.contains(m) || raw != null && !raw.isBlank() && p.contains(raw));
            if (!covered) parts.add(m);
            if (t.getCause() == t) break;
        }
        return parts.isEmpty() ? e.getClass().getName() : String.join(": ", parts);
    }

    /** Exceptions that point at Kiln itself rather than at the input (worth a stack trace). */
    static boolean isBug(Throwable e) {
        return e instanceof NullPointerException || e instanceof ClassCastException
                || e instanceof ArrayIndexOutOfBoundsException || e instanceof LinkageError;
    }

    private static String message(Throwable t) {
        if (t instanceof UncheckedIOException && t.getCause() != null && String.valueOf(t.getMessage()).equals(t.getCause().toString()))
            return null;                                 // a bare wrapper; a message of its own ("cannot write checkpoint ...") is the context
        if (t instanceof NoSuchFileException n) return "no such file: " + n.getFile();
        if (t instanceof AccessDeniedException a) return "permission denied: " + a.getFile();
        if (t instanceof FileNotFoundException f) return f.getMessage();
        String m = t.getMessage();
        if (m == null || m.isBlank()) return isBug(t) ? t.toString() : t.getClass().getSimpleName();
        return m;
    }
}
