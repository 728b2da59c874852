package dev.kiln.runtime.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Byte-level BPE files: GPT-2's {@code encoder.json}/{@code vocab.json} + {@code vocab.bpe}/
 * {@code merges.txt} (read), and Hugging Face's {@code tokenizer.json} (written; read by
 * {@link HfTokenizerJson}). Errors name the file and the key or line.
 */
final class BpeFiles {
    private BpeFiles() {}

    /** Tokens that become special tokens when a GPT-2-style vocabulary has them. */
    static final List<String> KNOWN_SPECIALS = List.of("<|endoftext|>", "<s>", "</s>", "<pad>", "<unk>", "<mask>");

    /** GPT-2's pair of files: a token → id JSON object and merges, one "left right" a line. */
    static BpeTokenizer readGpt2(Path vocabJson, Path mergesTxt) throws IOException {
        String vf = vocabJson.toString();
        Map<String, Integer> vocab = HfJson.vocab(HfJson.readObject(vocabJson), vf, "(top level)");
        List<BpeModel.Merge> merges = readMerges(mergesTxt);
        BpeModel model = new BpeModel(vocab, merges, false, vf);
        List<AddedToken> specials = new ArrayList<>();
        for (String s : KNOWN_SPECIALS) if (vocab.containsKey(s)) specials.add(AddedToken.special(vocab.get(s), s));
        return new BpeTokenizer(model, specials, BpeOptions.gpt2(), null);
    }

    /** merges.txt / vocab.bpe: an optional "#version" first line, then "left right" lines; blank lines are skipped. */
    static List<BpeModel.Merge> readMerges(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": not found");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + ": not valid UTF-8", e);
        }
        List<BpeModel.Merge> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i == 0 && line.startsWith("#version")) continue;
            if (line.isBlank()) continue;
            String[] parts = line.trim().split(" ");
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty())
                throw new dev.kiln.api.config.ConfigException(file + ": line " + (i + 1)
                        + ": expected two tokens separated by one space, got '" + line + "'");
            out.add(new BpeModel.Merge(parts[0], parts[1], file + ": line " + (i + 1)));
        }
        return out;
    }

    /** tokenizer.json for a BPE tokenizer, in Hugging Face's layout (loads in transformers). */
    static Map<String, Object> toJson(BpeTokenizer t) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Object> added = new ArrayList<>();
        for (AddedToken a : t.addedTokens()) added.add(a.toJson());
        root.put("added_tokens", added);
        Map<String, Object> keep = t.options().json();
        Map<String, Object> byteLevel = new LinkedHashMap<>();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", t.options().addPrefixSpace());
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", true);
        root.put("normalizer", keep.get("normalizer"));
        root.put("pre_tokenizer", keep.getOrDefault("pre_tokenizer", byteLevel));
        root.put("post_processor", keep.getOrDefault("post_processor", byteLevel));
        root.put("decoder", keep.getOrDefault("decoder", byteLevel));
        Map<String, Object> model = new LinkedHashMap<>();
        BpeModel bm = t.model();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", t.unkToken());
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", bm.ignoreMerges());
        Map<Integer, String> byId = new TreeMap<>();
        for (var e : bm.vocab().entrySet()) byId.put(e.getValue(), e.getKey());
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (var e : byId.entrySet()) vocab.put(e.getValue(), e.getKey());
        model.put("vocab", vocab);
        model.put("merges", bm.mergeStrings());
        root.put("model", model);
        return root;
    }
}
