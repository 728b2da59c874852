package dev.kiln.api.testing;

import dev.kiln.api.tokenizer.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tokenizers for plugin tests, shipped in core-api's test-jar so a third-party plugin can run the
 * contracts without the runtime. {@link #bytes()} has the same ids as the runtime's byte
 * tokenizer: UTF-8 bytes are ids 0–255, then {@code <|endoftext|>}=256, {@code [PAD]}=257,
 * {@code [MASK]}=258, {@code [CLS]}=259, {@code [SEP]}=260, {@code [UNK]}=261 (vocab 262).
 */
public final class TestTokenizers {
    /** Vocabulary size of {@link #bytes()}. */
    public static final int BYTE_VOCAB = 262;

    private TestTokenizers() {}

    /** A byte-level tokenizer with the six standard special tokens. */
    public static Tokenizer bytes() {
        return new Bytes();
    }

    private static final class Bytes implements Tokenizer {
        private final Map<String, Integer> specials;

        Bytes() {
            Map<String, Integer> m = new LinkedHashMap<>();
            String[] names = {EOS, PAD, MASK, CLS, SEP, UNK};
            for (int i = 0; i < names.length; i++) m.put(names[i], 256 + i);
            specials = Collections.unmodifiableMap(m);
        }

        @Override
        public String name() { return "test-bytes"; }

        @Override
        public int vocabSize() { return BYTE_VOCAB; }

        @Override
        public int[] encode(String text) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[b.length];
            for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xFF;
            return ids;
        }

        @Override
        public String decode(int[] ids, boolean skipSpecial) {
            StringBuilder sb = new StringBuilder();
            ByteArrayOutputStream run = new ByteArrayOutputStream();
            for (int id : ids) {
                if (id >= 0 && id < 256) {
                    run.write(id);
                    continue;
                }
                if (id < 0 || id >= BYTE_VOCAB) throw new IllegalArgumentException("id " + id + " is not in [0, " + BYTE_VOCAB + ")");
                sb.append(run.toString(StandardCharsets.UTF_8));
                run.reset();
                if (!skipSpecial) sb.append(nameOf(id));
            }
            return sb.append(run.toString(StandardCharsets.UTF_8)).toString();
        }

        private String nameOf(int id) {
            for (var e : specials.entrySet()) if (e.getValue() == id) return e.getKey();
            throw new IllegalArgumentException("id " + id + " is not a special token");
        }

        @Override
        public Map<String, Integer> specialTokens() { return specials; }
    }
}
