package dev.kiln.api.testing;

import dev.kiln.api.data.TokenDocuments;

import java.util.concurrent.atomic.AtomicLong;

/** Token documents that count the tokens copied out of them (a prepared corpus's reads). */
public final class CountingTokens implements TokenDocuments {
    private final TokenDocuments inner;
    private final AtomicLong tokensRead = new AtomicLong();

    public CountingTokens(TokenDocuments inner) { this.inner = inner; }

    @Override
    public long documentCount() { return inner.documentCount(); }

    @Override
    public long tokenCount() { return inner.tokenCount(); }

    @Override
    public long start(long doc) { return inner.start(doc); }

    @Override
    public void read(long offset, int[] dst, int dstOffset, int length) {
        tokensRead.addAndGet(length);
        inner.read(offset, dst, dstOffset, length);
    }

    public long tokensRead() { return tokensRead.get(); }
}
