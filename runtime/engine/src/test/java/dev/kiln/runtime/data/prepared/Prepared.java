package dev.kiln.runtime.data.prepared;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.data.TextCorpus;
import dev.kiln.runtime.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Test helpers: prepare small corpora with the byte tokenizer. */
final class Prepared {
    static final Tokenizer BYTES = TokenizerSpec.standard().create("byte");

    private Prepared() {}

    static CorpusPreparer.Settings settings(List<Path> train, double fraction, long shardTokens) {
        return new CorpusPreparer.Settings(train, List.of(), null, "text", TextCorpus.DEFAULT_SEPARATOR, fraction, 7, shardTokens, 2);
    }

    static PreparedManifest prepare(Path out, CorpusPreparer.Settings s) throws IOException {
        return new CorpusPreparer(BYTES, TokenizerSpec.standard().fingerprint(BYTES), s, null).prepare(out);
    }

    /** A tokenizer whose ids do not fit uint16: char c → 70,000 + c. */
    static Tokenizer wide() {
        return new Tokenizer() {
            public String name() { return "wide"; }
            public int vocabSize() { return 70_000 + 65_536; }
            public int[] encode(String text) { return text.chars().map(c -> 70_000 + c).toArray(); }
            public String decode(int[] ids, boolean skipSpecial) {
                StringBuilder sb = new StringBuilder();
                for (int id : ids) sb.append((char) (id - 70_000));
                return sb.toString();
            }
            public Map<String, Integer> specialTokens() { return Map.of(); }
        };
    }
}
