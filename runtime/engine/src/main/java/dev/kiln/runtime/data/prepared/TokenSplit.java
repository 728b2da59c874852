package dev.kiln.runtime.data.prepared;

import dev.kiln.api.data.TokenDocuments;
import dev.kiln.runtime.data.DataFileException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One split of a prepared corpus read through memory maps ({@link ShardFiles} layout): nothing is
 * loaded up front, so opening a 10 GB corpus takes milliseconds and its pages come and go with the
 * OS page cache. Opening checks every file's size and header against the manifest and that the
 * document index is ordered; reading checks each token against the vocabulary. Every error names
 * the file. Reads are thread-safe (absolute gets on read-only maps).
 */
final class TokenSplit implements TokenDocuments {
    private final Path[] files;
    private final ShortBuffer[] shorts;     // width 2
    private final IntBuffer[] ints;         // width 4
    private final LongBuffer index;         // [documents + 1] boundaries
    private final long shardTokens, tokens, documents;
    private final int vocab;

    private TokenSplit(Path[] files, ShortBuffer[] shorts, IntBuffer[] ints, LongBuffer index, long shardTokens, long tokens,
                       long documents, int vocab) {
        this.files = files;
        this.shorts = shorts;
        this.ints = ints;
        this.index = index;
        this.shardTokens = shardTokens;
        this.tokens = tokens;
        this.documents = documents;
        this.vocab = vocab;
    }

    /** Opens split {@code name} as the manifest describes it. */
    static TokenSplit open(Path dir, String name, PreparedManifest.Split split, int width, long shardTokens, int vocab) throws IOException {
        LongBuffer index = mapIndex(dir, name, split);
        int shards = Math.toIntExact(split.tokens() == 0 ? 0 : (split.tokens() - 1) / shardTokens + 1);
        Path[] files = new Path[shards];
        ShortBuffer[] shorts = width == 2 ? new ShortBuffer[shards] : null;
        IntBuffer[] ints = width == 4 ? new IntBuffer[shards] : null;
        for (int n = 0; n < shards; n++) {
            final int shard = n;
            Path file = ShardFiles.shard(dir, name, n);
            long count = Math.min(shardTokens, split.tokens() - n * shardTokens);
            MappedByteBuffer map = map(file, ShardFiles.TOKENS_MAGIC, ShardFiles.HEADER + count * width, count + " tokens of shard " + n, ch -> {
                int w = ShardFiles.headerInt(ch, 8), s = ShardFiles.headerInt(ch, 12);
                if (w != width) throw new DataFileException(file, 0, "holds " + w + "-byte tokens, the manifest says " + width);
                if (s != shard) throw new DataFileException(file, 0, "is shard " + s + ", expected shard " + shard);
            });
            files[n] = file;
            map.position(ShardFiles.HEADER);
            if (width == 2) shorts[n] = map.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
            else ints[n] = map.slice().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        }
        return new TokenSplit(files, shorts, ints, index, shardTokens, split.tokens(), split.documents(), vocab);
    }

    private static LongBuffer mapIndex(Path dir, String name, PreparedManifest.Split split) throws IOException {
        Path file = ShardFiles.index(dir, name);
        MappedByteBuffer map = map(file, ShardFiles.INDEX_MAGIC, ShardFiles.HEADER + (split.documents() + 1) * 8,
                split.documents() + " documents", ch -> checkBoundaries(ch, file, split));
        map.position(ShardFiles.HEADER);
        return map.slice().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
    }

    /**
     * The boundaries start at 0, never decrease and end at the token count. Read through the
     * channel, not the map, so checking a large index leaves no pages mapped into this process.
     */
    private static void checkBoundaries(FileChannel ch, Path file, PreparedManifest.Split split) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long prev = -1, d = -1, at = ShardFiles.HEADER;
        while (d < split.documents()) {
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), (split.documents() - d) * 8));
            while (buf.hasRemaining()) {
                int n = ch.read(buf, at);
                if (n < 0) throw new DataFileException(file, 0, "truncated while reading document boundaries");
                at += n;
            }
            buf.flip();
            while (buf.hasRemaining()) {
                long next = buf.getLong();
                if (d < 0 && next != 0) throw new DataFileException(file, 0, "corrupt: the first document boundary is " + next + ", expected 0");
                if (d >= 0 && (next < prev || next > split.tokens()))
                    throw new DataFileException(file, 0, "corrupt: document " + d + " ends at token " + next + " (previous boundary "
                            + prev + ", split holds " + split.tokens() + " tokens)");
                prev = next;
                d++;
            }
        }
        if (prev != split.tokens())
            throw new DataFileException(file, 0, "corrupt: the documents end at token " + prev + ", the manifest says " + split.tokens());
    }

    private interface HeaderCheck {
        void check(FileChannel ch) throws IOException;
    }

    private static MappedByteBuffer map(Path file, byte[] magic, long size, String what, HeaderCheck more) throws IOException {
        if (size > Integer.MAX_VALUE) throw new DataFileException(file, 0, "is " + size + " bytes; shards must stay under 2 GiB (lower shard_tokens)");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ShardFiles.checkHeader(ch, file, magic, size, what);
            more.check(ch);
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, 0, "missing: the manifest lists it (was the prepared directory copied partly?)", e);
        }
    }

    @Override
    public long documentCount() { return documents; }

    @Override
    public long tokenCount() { return tokens; }

    @Override
    public long start(long doc) {
        if (doc < 0 || doc > documents) throw new IndexOutOfBoundsException("document " + doc + " of " + documents);
        return index.get(Math.toIntExact(doc));
    }

    @Override
    public void read(long offset, int[] dst, int dstOffset, int length) {
        if (offset < 0 || offset + length > tokens)
            throw new IndexOutOfBoundsException("tokens [" + offset + ", " + (offset + length) + ") of " + tokens);
        int done = 0;
        while (done < length) {
            long at = offset + done;
            int shard = (int) (at / shardTokens), within = (int) (at % shardTokens);
            int n = (int) Math.min(length - done, shardTokens - within);
            if (shorts != null) {
                short[] tmp = new short[n];
                shorts[shard].get(within, tmp, 0, n);
                for (int i = 0; i < n; i++) dst[dstOffset + done + i] = tmp[i] & 0xFFFF;
            } else {
                ints[shard].get(within, dst, dstOffset + done, n);
            }
            for (int i = 0; i < n; i++) {
                int id = dst[dstOffset + done + i];
                if (id < 0 || id >= vocab)
                    throw new UncheckedIOException(new DataFileException(files[shard], 0, "corrupt: token " + (within + i) + " is id " + id
                            + ", outside the tokenizer's vocabulary of " + vocab));
            }
            done += n;
        }
    }
}
