package dev.kiln.runtime.tokenizer.parity;

import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The reference: Hugging Face's own Rust {@code tokenizers} library, called through the JNI entry
 * points of DJL's binding ({@code ai.djl.huggingface:tokenizers}, a test dependency whose jar
 * bundles the native library). The raw entry points are used, not DJL's {@code HuggingFaceTokenizer},
 * because that wrapper adds its own Java-side steps (a prefix space, clean-up of decoded spaces);
 * here a tokenizer.json means exactly what the Rust library makes of it. Truncation and padding
 * (which some tokenizer.json files set) are switched off. Not thread-safe per instance.
 */
final class HfOracle implements AutoCloseable {
    private static Throwable loadError;
    private static boolean loaded;

    private final long handle;
    private boolean closed;

    private HfOracle(long handle) {
        this.handle = handle;
    }

    /**
     * Loads the native library once: extracted from the jar to {@code target/djl} (not the user's
     * ~/.djl.ai) with DJL in offline mode, so nothing is downloaded at run time. Null when it loaded,
     * else why not.
     */
    static synchronized Throwable load() {
        if (loaded) return loadError;
        loaded = true;
        if (System.getenv("ENGINE_CACHE_DIR") == null && System.getProperty("ENGINE_CACHE_DIR") == null)
            System.setProperty("ENGINE_CACHE_DIR", Path.of("target", "djl").toAbsolutePath().toString());
        System.setProperty("ai.djl.offline", "true");
        try {
            LibUtils.checkStatus();
            TokenizersLibrary.LIB.getClass();
        } catch (Throwable t) {
            loadError = t;
        }
        return loadError;
    }

    /** The bundled library's version, "tokenizers crate version-DJL version" (e.g. 0.21.0-0.38.0). */
    static String version() {
        try (InputStream in = TokenizersLibrary.class.getResourceAsStream("/native/lib/tokenizers.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** A tokenizer from tokenizer.json text; the native library must have loaded ({@link #load()} is null). */
    static HfOracle fromJson(String json) {
        Throwable t = load();
        if (t != null) throw new IllegalStateException("the Hugging Face tokenizers native library did not load: " + t, t);
        long h = TokenizersLibrary.LIB.createTokenizerFromString(json);
        TokenizersLibrary.LIB.disableTruncation(h);
        TokenizersLibrary.LIB.disablePadding(h);
        return new HfOracle(h);
    }

    int[] encode(String text, boolean addSpecialTokens) {
        long enc = TokenizersLibrary.LIB.encode(handle, text, addSpecialTokens);
        try {
            return toInts(TokenizersLibrary.LIB.getTokenIds(enc));
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(enc);
        }
    }

    /** The ids of each text (the library encodes a batch on its own thread pool). */
    int[][] encodeAll(List<String> texts, boolean addSpecialTokens) {
        long[] encs = TokenizersLibrary.LIB.batchEncode(handle, texts.toArray(String[]::new), addSpecialTokens);
        int[][] out = new int[encs.length][];
        for (int i = 0; i < encs.length; i++) {
            out[i] = toInts(TokenizersLibrary.LIB.getTokenIds(encs[i]));
            TokenizersLibrary.LIB.deleteEncoding(encs[i]);
        }
        return out;
    }

    String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        return TokenizersLibrary.LIB.decode(handle, l, skipSpecialTokens);
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        TokenizersLibrary.LIB.deleteTokenizer(handle);
    }
}
