package dev.kiln.runtime.tokenizer.parity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * GPT-2's tokenizer.json as the Hub's {@code gpt2} repository has it (BPE model, ByteLevel
 * pre-tokenizer / post-processor / decoder, {@code <|endoftext|>} as the one added special token),
 * built from OpenAI's original pair of files, {@code encoder.json} and {@code vocab.bpe}, which is
 * what shared/data/gpt2-bpe holds. Only the oracle reads it: Kiln loads the pair of files itself.
 */
final class Gpt2TokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Gpt2TokenizerJson() {}

    static String build(Path dir) throws IOException {
        Map<?, ?> encoder = JSON.readValue(dir.resolve("encoder.json").toFile(), Map.class);
        List<String> lines = Files.readAllLines(dir.resolve("vocab.bpe"), StandardCharsets.UTF_8);

        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        Object eos = encoder.get("<|endoftext|>");
        if (eos != null) {
            added.addObject().put("id", ((Number) eos).intValue()).put("content", "<|endoftext|>").put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", true).put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(false, true));
        root.set("post_processor", byteLevel(true, false));
        root.set("decoder", byteLevel(true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        ObjectNode vocab = model.putObject("vocab");
        for (Iterator<? extends Map.Entry<?, ?>> it = encoder.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<?, ?> e = it.next();
            vocab.put((String) e.getKey(), ((Number) e.getValue()).intValue());
        }
        ArrayNode merges = model.putArray("merges");
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if ((i == 0 && line.startsWith("#version")) || line.isBlank()) continue;
            merges.add(line.trim());
        }
        return JSON.writeValueAsString(root);
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }
}
