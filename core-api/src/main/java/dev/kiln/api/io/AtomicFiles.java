package dev.kiln.api.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes that never leave a half-written file behind: the content goes to a temporary file in the
 * target's directory ({@code .<name>.tmp-<random>}), is fsynced, and is renamed over the target
 * with {@link StandardCopyOption#ATOMIC_MOVE} (falling back to a replacing move only where the file
 * system cannot move atomically). If the writer throws, the previous file is untouched and the
 * temporary file is deleted.
 */
public final class AtomicFiles {
    /** Marks temporary files and directories; anything whose name contains it is incomplete. */
    public static final String TEMP_MARKER = ".tmp-";

    private AtomicFiles() {}

    /** Produces the content of a file. Closing the stream is allowed but not needed. */
    @FunctionalInterface
    public interface ContentWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Atomically replaces (or creates) {@code target} with what {@code writer} writes. */
    public static void write(Path target, ContentWriter writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = createTemp(dir, abs.getFileName().toString());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                writer.write(new KeepOpen(out));
                out.flush();
                ch.force(true);
            }
            moveAtomically(tmp, abs);
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException | RuntimeException suppressed) {
                t.addSuppressed(suppressed);
            }
            throw t;
        }
        fsyncDirectory(dir);
    }

    public static void writeString(Path target, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes));
    }

    /**
     * Renames {@code source} to {@code target} (files or directories, same file system) atomically,
     * replacing a target file; falls back to {@code REPLACE_EXISTING} only when the file system
     * reports that atomic moves are unsupported.
     */
    public static void moveAtomically(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Flushes a directory entry (a rename) to disk where the platform allows it; best effort. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows and some file systems cannot open or sync a directory; the rename stands.
        }
    }

    /** A fresh sibling name {@code <name>.tmp-<16 hex digits>} for {@code name} in {@code dir}. */
    public static Path tempSibling(Path dir, String name) {
        return dir.resolve(name + TEMP_MARKER + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
    }

    /** Whether a file or directory name belongs to an unfinished (or abandoned) atomic write. */
    public static boolean isTemporary(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().contains(TEMP_MARKER);
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = tempSibling(dir, "." + name);
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) throw e;
            }
        }
    }

    /** Lets a writer close its stream without closing the channel we still have to fsync. */
    private static final class KeepOpen extends OutputStream {
        private final OutputStream out;

        KeepOpen(OutputStream out) { this.out = out; }

        @Override public void write(int b) throws IOException { out.write(b); }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override public void flush() throws IOException { out.flush(); }

        @Override public void close() throws IOException { out.flush(); }
    }
}
