package dev.kiln.runtime.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Not a test: trains the small BPE fixture (see src/test/fixtures/tokenizer/generate.sh).
 * {@code TrainFixture CORPUS OUT_DIR VOCAB_SIZE} writes OUT_DIR/tokenizer.json (Hugging Face
 * layout) and the same vocabulary as GPT-2's encoder.json + vocab.bpe.
 */
public final class TrainFixture {
    public static void main(String[] args) throws IOException {
        if (args.length != 3) throw new IllegalArgumentException("usage: TrainFixture CORPUS OUT_DIR VOCAB_SIZE");
        String corpus = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        Path out = Path.of(args[1]);
        BpeTokenizer t = new BpeTrainer(Integer.parseInt(args[2]), List.copyOf(ByteTokenizer.defaultSpecials().keySet()), 2).train(corpus);
        TokenizerSpec.standard().save(t, out);
        writeGpt2(t, out);
        System.out.println("trained " + t + " -> " + out);
    }

    /** encoder.json (token → id, by id) and vocab.bpe ("#version: 0.2", one merge a line, a final newline). */
    static void writeGpt2(BpeTokenizer t, Path dir) throws IOException {
        Map<Integer, String> byId = new TreeMap<>();
        t.model().vocab().forEach((k, v) -> byId.put(v, k));
        Map<String, Integer> enc = new java.util.LinkedHashMap<>();
        byId.forEach((id, tok) -> enc.put(tok, id));
        Files.writeString(dir.resolve("encoder.json"), HfJson.write(enc), StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder("#version: 0.2\n");
        for (String m : t.model().mergeStrings()) b.append(m).append('\n');
        Files.writeString(dir.resolve("vocab.bpe"), b.toString(), StandardCharsets.UTF_8);
    }
}
