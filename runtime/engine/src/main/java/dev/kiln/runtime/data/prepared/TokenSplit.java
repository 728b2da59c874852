package dev.kiln.runtime.data.prepared;

import dev.kiln.api.data.TokenDocuments;
import dev.kiln.runtime.data.DataFileException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One split of a prepared corpus ({@link ShardFiles} layout), read with positional reads: nothing
 * is loaded up front, so opening a 10 GB corpus takes milliseconds. The files are flat arrays that
 * could be memory-mapped (as nanoGPT and Megatron do), but mapped pages count in the process's
 * RSS and the kernel maps ~64 KiB around every touched page, so a shuffled epoch over a large
 * corpus would grow RSS by about 2 MB a step; {@code pread} goes through the same page cache
 * without that. Opening checks every file's size and header against the manifest and that the
 * document index is ordered; reading checks each token against the vocabulary. Every error names
 * the file. Reads are thread-safe (positional reads on shared channels).
 */
final class TokenSplit implements TokenDocuments {
    private final Path[] files;
    private final FileChannel[] shards;
    private final Path indexFile;
    private final FileChannel index;        // header + [documents + 1] int64 boundaries
    private final int width;
    private final long shardTokens, tokens, documents;
    private final int vocab;

    private TokenSplit(Path[] files, FileChannel[] shards, Path indexFile, FileChannel index, int width, long shardTokens,
                       long tokens, long documents, int vocab) {
        this.files = files;
        this.shards = shards;
        this.indexFile = indexFile;
        this.index = index;
        this.width = width;
        this.shardTokens = shardTokens;
        this.tokens = tokens;
        this.documents = documents;
        this.vocab = vocab;
    }

    /** Opens split {@code name} as the manifest describes it. */
    static TokenSplit open(Path dir, String name, PreparedManifest.Split split, int width, long shardTokens, int vocab) throws IOException {
        Path indexFile = ShardFiles.index(dir, name);
        FileChannel index = open(indexFile, ShardFiles.INDEX_MAGIC, ShardFiles.HEADER + (split.documents() + 1) * 8,
                split.documents() + " documents", ch -> checkBoundaries(ch, indexFile, split));
        int count = Math.toIntExact(split.tokens() == 0 ? 0 : (split.tokens() - 1) / shardTokens + 1);
        Path[] files = new Path[count];
        FileChannel[] shards = new FileChannel[count];
        for (int n = 0; n < count; n++) {
            final int shard = n;
            Path file = ShardFiles.shard(dir, name, n);
            long held = Math.min(shardTokens, split.tokens() - n * shardTokens);
            shards[n] = open(file, ShardFiles.TOKENS_MAGIC, ShardFiles.HEADER + held * width, held + " tokens of shard " + n, ch -> {
                int w = ShardFiles.headerInt(ch, 8), s = ShardFiles.headerInt(ch, 12);
                if (w != width) throw new DataFileException(file, 0, "holds " + w + "-byte tokens, the manifest says " + width);
                if (s != shard) throw new DataFileException(file, 0, "is shard " + s + ", expected shard " + shard);
            });
            files[n] = file;
        }
        return new TokenSplit(files, shards, indexFile, index, width, shardTokens, split.tokens(), split.documents(), vocab);
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

    private static FileChannel open(Path file, byte[] magic, long size, String what, HeaderCheck more) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, 0, "missing: the manifest lists it (was the prepared directory copied partly?)", e);
        }
        try {
            ShardFiles.checkHeader(ch, file, magic, size, what);
            more.check(ch);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public long documentCount() { return documents; }

    @Override
    public long tokenCount() { return tokens; }

    @Override
    public long start(long doc) {
        if (doc < 0 || doc > documents) throw new IndexOutOfBoundsException("document " + doc + " of " + documents);
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(index, indexFile, b, ShardFiles.HEADER + doc * 8);
        return b.getLong(0);
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
            ByteBuffer b = ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
            readFully(shards[shard], files[shard], b, ShardFiles.HEADER + (long) within * width);
            for (int i = 0; i < n; i++) {
                int id = width == 2 ? b.getShort(2 * i) & 0xFFFF : b.getInt(4 * i);
                if (id < 0 || id >= vocab)
                    throw new UncheckedIOException(new DataFileException(files[shard], 0, "corrupt: token " + (within + i) + " is id " + id
                            + ", outside the tokenizer's vocabulary of " + vocab));
                dst[dstOffset + done + i] = id;
            }
            done += n;
        }
    }

    private static void readFully(FileChannel ch, Path file, ByteBuffer b, long position) {
        try {
            while (b.hasRemaining()) {
                int n = ch.read(b, position + b.position());
                if (n < 0) throw new DataFileException(file, 0, "ended early at byte " + (position + b.position()) + " (changed since it was opened?)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
