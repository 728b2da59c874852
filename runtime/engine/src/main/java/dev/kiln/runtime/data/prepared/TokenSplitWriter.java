package dev.kiln.runtime.data.prepared;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends tokenized documents to one split ({@link ShardFiles} layout): tokens go to fixed-size
 * shards, each document's end to the index. {@link #commit()} makes what was written durable and
 * returns the position a resumed preparation restarts from; {@link #resume} truncates the files
 * back to such a position, dropping whatever an interrupted run wrote after it.
 */
final class TokenSplitWriter implements Closeable {
    /** A durable position: tokens and documents written. */
    record Position(long tokens, long documents) {}

    private final Path dir;
    private final String split;
    private final int width;
    private final long shardTokens;
    private final long maxId;
    private final FileChannel index;
    private final ByteBuffer indexBuf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer tokenBuf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private FileChannel shard;
    private long tokens, documents;

    private TokenSplitWriter(Path dir, String split, int width, long shardTokens, FileChannel index, long tokens, long documents) throws IOException {
        this.dir = dir;
        this.split = split;
        this.width = width;
        this.shardTokens = shardTokens;
        this.maxId = width == 2 ? 0xFFFF : Integer.MAX_VALUE;
        this.index = index;
        this.tokens = tokens;
        this.documents = documents;
        if (tokens > 0) {                                   // reopen the shard the position falls in
            long n = (tokens - 1) / shardTokens;
            shard = FileChannel.open(ShardFiles.shard(dir, split, n), StandardOpenOption.WRITE);
            long end = ShardFiles.HEADER + (tokens - n * shardTokens) * width;
            shard.truncate(end);
            shard.position(end);
        }
    }

    /** A new split: creates its index (an existing one is replaced). */
    static TokenSplitWriter create(Path dir, String split, int width, long shardTokens) throws IOException {
        FileChannel idx = FileChannel.open(ShardFiles.index(dir, split), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        idx.write(ShardFiles.indexHeader());
        ByteBuffer zero = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0).flip();
        idx.write(zero);
        return new TokenSplitWriter(dir, split, width, shardTokens, idx, 0, 0);
    }

    /** The split as it was at {@code at}: later tokens, documents and shards are dropped. */
    static TokenSplitWriter resume(Path dir, String split, int width, long shardTokens, Position at) throws IOException {
        long shards = at.tokens() == 0 ? 0 : (at.tokens() - 1) / shardTokens + 1;
        for (long n = shards; Files.exists(ShardFiles.shard(dir, split, n)); n++) Files.delete(ShardFiles.shard(dir, split, n));
        FileChannel idx = FileChannel.open(ShardFiles.index(dir, split), StandardOpenOption.WRITE);
        long end = ShardFiles.HEADER + (at.documents() + 1) * 8;
        if (idx.size() < end) throw new IOException(ShardFiles.index(dir, split) + ": shorter than the recorded progress; delete " + dir + " and prepare again");
        idx.truncate(end);
        idx.position(end);
        return new TokenSplitWriter(dir, split, width, shardTokens, idx, at.tokens(), at.documents());
    }

    /** Appends tokens to the current document. */
    void append(int[] ids, int from, int length) throws IOException {
        for (int i = from; i < from + length; i++) {
            int id = ids[i];
            if (id < 0 || id > maxId) throw new IllegalArgumentException("token id " + id + " does not fit " + (width == 2 ? "uint16" : "uint32") + " shards");
            if (tokens % shardTokens == 0) nextShard();
            if (tokenBuf.remaining() < width) flushTokens();
            if (width == 2) tokenBuf.putShort((short) id);
            else tokenBuf.putInt(id);
            tokens++;
        }
    }

    /** Ends the current document (an empty one is kept only if tokens were appended). */
    void endDocument() throws IOException {
        if (indexBuf.remaining() < 8) flushIndex();
        indexBuf.putLong(tokens);
        documents++;
    }

    long tokens() { return tokens; }

    long documents() { return documents; }

    /** Flushes and forces both files; the returned position survives a crash. */
    Position commit() throws IOException {
        flushTokens();
        flushIndex();
        if (shard != null) shard.force(false);
        index.force(false);
        return new Position(tokens, documents);
    }

    private void nextShard() throws IOException {
        flushTokens();
        if (shard != null) shard.close();
        long n = tokens / shardTokens;
        shard = FileChannel.open(ShardFiles.shard(dir, split, n), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        shard.write(ShardFiles.tokensHeader(width, n));
    }

    private void flushTokens() throws IOException {
        tokenBuf.flip();
        while (tokenBuf.hasRemaining()) shard.write(tokenBuf);
        tokenBuf.clear();
    }

    private void flushIndex() throws IOException {
        indexBuf.flip();
        while (indexBuf.hasRemaining()) index.write(indexBuf);
        indexBuf.clear();
    }

    @Override
    public void close() throws IOException {
        try {
            commit();
        } finally {
            if (shard != null) shard.close();
            index.close();
        }
    }
}
