package dev.kiln.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** A UTF-8 {@link PrintStream} view of a {@link PrintWriter} (engine APIs take PrintStreams; picocli gives writers). */
final class WriterStream extends OutputStream {
    private final PrintWriter target;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    private WriterStream(PrintWriter target) {
        this.target = target;
    }

    static PrintStream of(PrintWriter target) {
        return new PrintStream(new WriterStream(target), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        pending.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        pending.write(b, off, len);
    }

    @Override
    public synchronized void flush() {
        if (pending.size() == 0) return;
        target.write(pending.toString(StandardCharsets.UTF_8));
        pending.reset();
        target.flush();
    }

    @Override
    public void close() {
        flush();
    }
}
