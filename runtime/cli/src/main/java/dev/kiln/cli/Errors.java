package dev.kiln.cli;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
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
        if (t instanceof CharacterCodingException) return null;   // "Input length = 3": the wrapper says what and where
        if (t instanceof NoSuchFileException n) return "no such file: " + n.getFile();
        if (t instanceof AccessDeniedException a) return "permission denied: " + a.getFile();
        if (t instanceof FileNotFoundException f) return f.getMessage();
        // Files.createDirectories on a path that is a file, or under one: the JDK's message is the bare path
        if (t instanceof FileAlreadyExistsException f)
            return f.getFile() + ": already exists" + (isFile(f.getFile()) ? " and is not a directory" : "");
        if (t instanceof NotDirectoryException n) return n.getFile() + ": not a directory";
        if (t instanceof FileSystemException f && f.getFile() != null && "Not a directory".equals(f.getReason())) {
            Path file = fileAbove(Path.of(f.getFile()));
            return f.getFile() + ": cannot be a directory" + (file != null ? ": " + file + " is a file" : "");
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) return isBug(t) ? t.toString() : t.getClass().getSimpleName();
        return m;
    }

    private static boolean isFile(String path) {
        return path != null && Files.isRegularFile(Path.of(path));
    }

    // the nearest of path's ancestors that is a regular file, or null
    private static Path fileAbove(Path path) {
        for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) if (Files.isRegularFile(p)) return p;
        return null;
    }
}
