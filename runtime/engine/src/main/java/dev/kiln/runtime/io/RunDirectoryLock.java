package dev.kiln.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * One run per output directory: an OS file lock on {@code DIR/.kiln-run.lock}, which holds the
 * owner's PID. A second run on the same directory is refused naming that PID; the OS drops the lock
 * when its process dies, so a lock file left by a killed run is taken over (with a message naming the
 * dead PID). Two runs on one directory would otherwise interleave checkpoints and metrics records.
 */
public final class RunDirectoryLock implements AutoCloseable {
    public static final String FILE = ".kiln-run.lock";
    private final FileChannel channel;
    private final FileLock lock;
    private final Path file;

    private RunDirectoryLock(FileChannel channel, FileLock lock, Path file) {
        this.channel = channel;
        this.lock = lock;
        this.file = file;
    }

    /**
     * Locks {@code dir} (created if missing) for this process.
     *
     * @param messages told when a dead run's lock is taken over
     * @throws IllegalStateException when another live run holds it
     */
    public static RunDirectoryLock acquire(Path dir, Consumer<String> messages) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {            // this JVM already runs in dir
            ch.close();
            throw new IllegalStateException("another run (pid " + ProcessHandle.current().pid() + ", this process) is using " + dir);
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            String owner = readPid(ch);
            ch.close();
            throw new IllegalStateException("another run (pid " + owner + ") is using " + dir
                    + "; wait for it to finish or give another --out");
        }
        String previous = readPid(ch);
        if (!previous.isEmpty() && messages != null)
            messages.accept("taking over the lock of " + dir + " from pid " + previous + ", which is no longer running");
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(false);
        return new RunDirectoryLock(ch, lock, file);
    }

    private static String readPid(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(32);
        int n = ch.read(buf, 0);
        return n <= 0 ? "" : new String(buf.array(), 0, n, StandardCharsets.US_ASCII).trim();
    }

    /** Releases the lock and empties the file, so the next run sees no previous owner. */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                channel.truncate(0);
                lock.release();
            }
        } finally {
            channel.close();
        }
    }

    public Path file() { return file; }
}
