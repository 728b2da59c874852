package dev.kiln.runtime.data.prepared;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.data.TokenDocuments;
import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.Map;
import java.util.RandomAccess;

/**
 * A prepared corpus opened for training: its manifest and its splits (read on demand). A split becomes a
 * {@link Dataset} whose {@link Dataset#tokens()} are the shards and whose examples are decoded
 * from them one at a time when an objective asks for text.
 */
public final class PreparedCorpus {
    private final Path dir;
    private final PreparedManifest manifest;

    private PreparedCorpus(Path dir, PreparedManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    public static boolean isPrepared(Path dir) { return PreparedManifest.isPrepared(dir); }

    /** Reads the manifest; the shards are opened (and checked) by {@link #dataset}. */
    public static PreparedCorpus open(Path dir) throws IOException {
        return new PreparedCorpus(dir, PreparedManifest.read(dir));
    }

    public PreparedManifest manifest() { return manifest; }

    public Path directory() { return dir; }

    /**
     * Refuses a tokenizer other than the one the shards were made with.
     *
     * @param fingerprint the pipeline tokenizer's fingerprint
     */
    public void checkTokenizer(Tokenizer tokenizer, String fingerprint) throws IOException {
        if (!manifest.tokenizerFingerprint().equals(fingerprint))
            throw new IOException(dir + ": prepared with tokenizer '" + manifest.tokenizerName() + "' (vocabulary "
                    + manifest.vocabSize() + ", " + shortHash(manifest.tokenizerFingerprint()) + "), but the pipeline's tokenizer is '"
                    + tokenizer.name() + "' (vocabulary " + tokenizer.vocabSize() + ", " + shortHash(fingerprint)
                    + "): the token ids would mean other text. Use the same tokenizer section, or run `kiln prepare` with this one");
    }

    private static String shortHash(String fp) {
        return fp.length() > 19 ? fp.substring(0, 19) + "…" : fp;
    }

    /** Whether the split exists and holds at least one document. */
    public boolean has(String split) {
        PreparedManifest.Split s = manifest.splits().get(split);
        return s != null && s.documents() > 0;
    }

    /** Split {@code name} ("train", "validation") as a dataset read from its shards. */
    public Dataset dataset(String name, Tokenizer tokenizer) throws IOException {
        PreparedManifest.Split split = manifest.splits().get(name);
        if (split == null) throw new IOException(dir + ": has no '" + name + "' split (has: " + manifest.splits().keySet() + ")");
        TokenSplit tokens = TokenSplit.open(dir, name, split, manifest.width(), manifest.shardTokens(), manifest.vocabSize());
        return new Dataset(dir.getFileName() + "/" + name, new DecodedDocuments(tokens, tokenizer, dir + ":" + name), tokens);
    }

    /** Examples decoded on demand: {@code text} = the document's tokens decoded. */
    private static final class DecodedDocuments extends AbstractList<Example> implements RandomAccess {
        private final TokenDocuments docs;
        private final Tokenizer tokenizer;
        private final String source;
        private final int size;

        DecodedDocuments(TokenDocuments docs, Tokenizer tokenizer, String source) {
            this.docs = docs;
            this.tokenizer = tokenizer;
            this.source = source;
            if (docs.documentCount() > Integer.MAX_VALUE)
                throw new IllegalArgumentException(source + ": " + docs.documentCount() + " documents; at most 2^31 - 1 per split");
            this.size = (int) docs.documentCount();
        }

        @Override
        public Example get(int index) {
            return new Example(Map.of("text", tokenizer.decode(docs.document(index))), source + "#" + index, null);
        }

        @Override
        public int size() { return size; }
    }
}
