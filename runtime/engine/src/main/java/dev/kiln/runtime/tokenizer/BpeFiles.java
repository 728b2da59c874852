package dev.kiln.runtime.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Byte-level BPE files: GPT-2's {@code encoder.json}/{@code vocab.json} + {@code vocab.bpe}/
 * {@code merges.txt}, and Hugging Face's {@code tokenizer.json} (read and written). Errors name
 * the file and the key or line.
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

    /** A Hugging Face tokenizer.json whose model is BPE with a byte-level pre-tokenizer. */
    static BpeTokenizer fromJson(Map<String, Object> root, String file) {
        String type = HfJson.modelType(root, file);
        if (!type.equals("BPE")) throw HfJson.error(file, "model.type", "is '" + type + "', expected 'BPE'");
        Map<String, Object> m = HfJson.object(root.get("model"), file, "model");
        if (m.get("dropout") != null && !(m.get("dropout") instanceof Number d && d.doubleValue() == 0))
            throw HfJson.error(file, "model.dropout", "is " + m.get("dropout") + "; BPE dropout is not supported (use null)");
        for (String k : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            String v = HfJson.optString(m, k, "", file, "model.");
            if (!v.isEmpty()) throw HfJson.error(file, "model." + k, "is '" + v + "'; only byte-level BPE without one is supported");
        }
        if (HfJson.optBoolean(m, "byte_fallback", false, file, "model."))
            throw HfJson.error(file, "model.byte_fallback", "is true: SentencePiece-style BPE is not supported, only byte-level BPE");
        String unk = HfJson.optString(m, "unk_token", null, file, "model.");
        boolean ignoreMerges = HfJson.optBoolean(m, "ignore_merges", false, file, "model.");
        Map<String, Integer> vocab = HfJson.vocab(m.get("vocab"), file, "model.vocab");
        List<?> raw = HfJson.list(m.get("merges"), file, "model.merges");
        List<BpeModel.Merge> merges = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) merges.add(merge(raw.get(i), file, "model.merges[" + i + "]"));
        BpeModel model = new BpeModel(vocab, merges, ignoreMerges, file + ": key 'model.vocab'");
        if (unk != null && !vocab.containsKey(unk)) throw HfJson.error(file, "model.unk_token", "'" + unk + "' is not in the vocabulary");
        List<AddedToken> added = HfJson.addedTokens(root, file);
        for (AddedToken t : added) {
            Integer id = vocab.get(t.content());
            if (id != null && id != t.id())
                throw HfJson.error(file, "added_tokens", "gives '" + t.content() + "' id " + t.id() + " but model.vocab has it as " + id);
            String other = model.token(t.id());
            if (other != null && !other.equals(t.content()))
                throw HfJson.error(file, "added_tokens", "gives id " + t.id() + " to '" + t.content() + "' but model.vocab has '" + other + "' there");
        }
        return new BpeTokenizer(model, added, options(root, file), unk);
    }

    private static BpeModel.Merge merge(Object entry, String file, String key) {
        String where = file + ": key '" + key + "'";
        if (entry instanceof String s) {
            String[] parts = s.split(" ");
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty())
                throw HfJson.error(file, key, "expected \"left right\" (one space), got '" + s + "'");
            return new BpeModel.Merge(parts[0], parts[1], where);
        }
        if (entry instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String a && l.get(1) instanceof String b)
            return new BpeModel.Merge(a, b, where);
        throw HfJson.error(file, key, "expected \"left right\" or [\"left\", \"right\"], got " + HfJson.describe(entry));
    }

    /** The normalizer and pre-tokenizer sections. */
    private static BpeOptions options(Map<String, Object> root, String file) {
        Map<String, Object> keep = new LinkedHashMap<>();
        for (String k : List.of("normalizer", "pre_tokenizer", "post_processor", "decoder")) keep.put(k, root.get(k));
        Normalizer.Form form = null;
        if (root.get("normalizer") != null) {
            Map<String, Object> n = HfJson.object(root.get("normalizer"), file, "normalizer");
            String t = HfJson.string(n.get("type"), file, "normalizer.type");
            try {
                form = Normalizer.Form.valueOf(t);
            } catch (IllegalArgumentException e) {
                throw HfJson.error(file, "normalizer.type", "is '" + t + "'; BPE supports no normalizer or NFC, NFD, NFKC, NFKD");
            }
        }
        Object pre = root.get("pre_tokenizer");
        if (pre == null) throw HfJson.error(file, "pre_tokenizer", "is missing; only byte-level BPE (pre_tokenizer ByteLevel) is supported");
        Map<String, Object> p = HfJson.object(pre, file, "pre_tokenizer");
        String pt = HfJson.string(p.get("type"), file, "pre_tokenizer.type");
        if (pt.equals("ByteLevel")) {
            return new BpeOptions(form, HfJson.optBoolean(p, "add_prefix_space", false, file, "pre_tokenizer."),
                    HfJson.optBoolean(p, "use_regex", true, file, "pre_tokenizer."), null, keep);
        }
        if (!pt.equals("Sequence"))
            throw HfJson.error(file, "pre_tokenizer.type", "is '" + pt + "'; only ByteLevel, or a Sequence of Split and ByteLevel, is supported");
        List<?> steps = HfJson.list(p.get("pretokenizers"), file, "pre_tokenizer.pretokenizers");
        Pattern split = null;
        Map<String, Object> byteLevel = null;
        for (int i = 0; i < steps.size(); i++) {
            String key = "pre_tokenizer.pretokenizers[" + i + "]";
            Map<String, Object> s = HfJson.object(steps.get(i), file, key);
            String st = HfJson.string(s.get("type"), file, key + ".type");
            if (st.equals("ByteLevel") && byteLevel == null) byteLevel = s;
            else if (st.equals("Split") && split == null && byteLevel == null) split = splitPattern(s, file, key);
            else throw HfJson.error(file, key + ".type", "is '" + st + "'; supported: an optional Split, then ByteLevel");
        }
        if (byteLevel == null) throw HfJson.error(file, "pre_tokenizer.pretokenizers", "has no ByteLevel step; only byte-level BPE is supported");
        boolean useRegex = HfJson.optBoolean(byteLevel, "use_regex", true, file, "pre_tokenizer.ByteLevel.");
        if (split != null && useRegex)
            throw HfJson.error(file, "pre_tokenizer", "has both a Split and a ByteLevel step with use_regex true; not supported");
        return new BpeOptions(form, HfJson.optBoolean(byteLevel, "add_prefix_space", false, file, "pre_tokenizer.ByteLevel."),
                useRegex, split, keep);
    }

    private static Pattern splitPattern(Map<String, Object> s, String file, String key) {
        String behavior = HfJson.optString(s, "behavior", "Isolated", file, key + ".");
        if (!behavior.equals("Isolated")) throw HfJson.error(file, key + ".behavior", "is '" + behavior + "'; only Isolated is supported");
        if (HfJson.optBoolean(s, "invert", false, file, key + "."))
            throw HfJson.error(file, key + ".invert", "is true; not supported");
        Map<String, Object> pat = HfJson.object(s.get("pattern"), file, key + ".pattern");
        try {
            if (pat.get("Regex") != null)
                return Pattern.compile(HfJson.string(pat.get("Regex"), file, key + ".pattern.Regex"), Pattern.UNICODE_CHARACTER_CLASS);
            return Pattern.compile(Pattern.quote(HfJson.string(pat.get("String"), file, key + ".pattern.String")));
        } catch (PatternSyntaxException e) {
            throw HfJson.error(file, key + ".pattern", "is not a regex Java can run: " + e.getDescription());
        }
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
