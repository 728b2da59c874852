package dev.kiln.runtime.data.prepared;

import dev.kiln.runtime.data.DataFileException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The on-disk layout of one split of a prepared corpus (all little-endian, like nanoGPT's
 * {@code train.bin} and Megatron's {@code .bin}/{@code .idx}):
 * <ul>
 *   <li>{@code SPLIT-NNNNN.bin}: a 16-byte header ({@code KILNTOK1}, int32 bytes per token (2: uint16,
 *       4: uint32), int32 shard number), then the split's tokens [n·S, (n+1)·S) back to back, S =
 *       the manifest's {@code shard_tokens}; every shard but the last is full. A document may run on
 *       into the next shard.</li>
 *   <li>{@code SPLIT.idx}: a 16-byte header ({@code KILNIDX1}, 8 zero bytes), then int64 document
 *       boundaries: 0, then each document's end offset (so D documents give D + 1 values).</li>
 * </ul>
 */
final class ShardFiles {
    static final int HEADER = 16;
    static final byte[] TOKENS_MAGIC = "KILNTOK1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] INDEX_MAGIC = "KILNIDX1".getBytes(StandardCharsets.US_ASCII);

    private ShardFiles() {}

    static Path shard(Path dir, String split, long n) {
        return dir.resolve(String.format("%s-%05d.bin", split, n));
    }

    static Path index(Path dir, String split) {
        return dir.resolve(split + ".idx");
    }

    static ByteBuffer tokensHeader(int width, long shard) {
        ByteBuffer b = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        b.put(TOKENS_MAGIC).putInt(width).putInt(Math.toIntExact(shard));
        return b.flip();
    }

    static ByteBuffer indexHeader() {
        ByteBuffer b = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        b.put(INDEX_MAGIC).putLong(0);
        return b.flip();
    }

    /** Checks a file's size and magic; errors name the file and what was expected. */
    static void checkHeader(FileChannel ch, Path file, byte[] magic, long expectedSize, String what) throws IOException {
        long size = ch.size();
        if (size != expectedSize)
            throw new DataFileException(file, 0, (size < expectedSize ? "truncated" : "too long") + ": expected " + expectedSize
                    + " bytes for " + what + ", found " + size + " (re-run `kiln prepare` into a fresh directory)");
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        while (h.hasRemaining() && ch.read(h, h.position()) > 0) { /* read the header */ }
        h.flip();
        byte[] found = new byte[magic.length];
        h.get(found);
        if (!java.util.Arrays.equals(found, magic))
            throw new DataFileException(file, 0, "not a Kiln prepared-corpus file: expected magic '"
                    + new String(magic, StandardCharsets.US_ASCII) + "', found '" + new String(found, StandardCharsets.ISO_8859_1) + "'");
    }

    static int headerInt(FileChannel ch, int at) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(b, at);
        return b.flip().getInt();
    }
}
