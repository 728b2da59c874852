package dev.kiln.runtime.generate;

import dev.kiln.api.tokenizer.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A minimal byte-level tokenizer for tests: ids 0–255 are bytes, 256 is EOS. */
final class TestBytes implements Tokenizer {
    static final int EOS_ID = 256;

    @Override
    public String name() { return "test-bytes"; }

    @Override
    public int vocabSize() { return 257; }

    @Override
    public int[] encode(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xff;
        return ids;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id == EOS_ID) {
                if (!skipSpecial) out.writeBytes(EOS.getBytes(StandardCharsets.UTF_8));
            } else if (id >= 0 && id < 256) {
                out.write(id);
            } else {
                throw new IllegalArgumentException("test-bytes: id " + id + " is not a byte or EOS");
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public Map<String, Integer> specialTokens() { return Map.of(EOS, EOS_ID); }
}
