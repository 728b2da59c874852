package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.ConfigException;
import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** WordPiece files: BERT's {@code vocab.txt} (read) and Hugging Face's tokenizer.json (written; read by {@link HfTokenizerJson}). */
final class WordPieceFiles {
    private WordPieceFiles() {}

    static final List<String> BERT_SPECIALS = List.of(Tokenizer.PAD, Tokenizer.UNK, Tokenizer.CLS, Tokenizer.SEP, Tokenizer.MASK);
    static final int MAX_CHARS = 100;

    /**
     * vocab.txt: one token a line, its id the line number from 0. Empty lines and repeated tokens
     * are errors naming both lines; [UNK] must be present. [PAD] [UNK] [CLS] [SEP] [MASK] become
     * special tokens when present.
     */
    static WordPieceTokenizer readVocabTxt(Path file, boolean lowercase, boolean stripAccents) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": not found");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new IOException(file + ": not valid UTF-8", e);
        }
        if (lines.isEmpty()) throw new ConfigException(file + ": empty (expected one token a line)");
        String as = " (read as a WordPiece vocab.txt: one token a line)";
        Map<String, Integer> vocab = new HashMap<>();
        String[] tokens = new String[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).strip();
            if (t.isEmpty()) throw new ConfigException(file + ": line " + (i + 1) + ": empty token" + as);
            Integer before = vocab.putIfAbsent(t, i);
            if (before != null)
                throw new ConfigException(file + ": line " + (i + 1) + ": token '" + t + "' repeats line " + (before + 1) + as);
            tokens[i] = t;
        }
        if (!vocab.containsKey(Tokenizer.UNK)) throw new ConfigException(file + ": has no " + Tokenizer.UNK + " token" + as);
        List<AddedToken> specials = new ArrayList<>();
        for (String s : BERT_SPECIALS) if (vocab.containsKey(s)) specials.add(AddedToken.special(vocab.get(s), s));
        return new WordPieceTokenizer(tokens, vocab, new BertBasicTokenizer(true, true, lowercase, stripAccents),
                Tokenizer.UNK, "##", MAX_CHARS, specials, Map.of());
    }

    /** tokenizer.json in Hugging Face's layout. */
    static Map<String, Object> toJson(WordPieceTokenizer t) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Object> added = new ArrayList<>();
        for (AddedToken a : t.addedTokens()) added.add(a.toJson());
        root.put("added_tokens", added);
        Map<String, Object> norm = new LinkedHashMap<>();
        norm.put("type", "BertNormalizer");
        norm.put("clean_text", t.basic().cleanText());
        norm.put("handle_chinese_chars", t.basic().handleChineseChars());
        norm.put("strip_accents", t.basic().stripAccents());
        norm.put("lowercase", t.basic().lowercase());
        BertBasicTokenizer b = t.basic();
        boolean none = !b.cleanText() && !b.handleChineseChars() && !b.lowercase() && !b.stripAccents();
        root.put("normalizer", none ? null : norm);
        root.put("pre_tokenizer", Map.of("type", "BertPreTokenizer"));
        root.put("post_processor", t.json().get("post_processor"));
        Map<String, Object> dec = new LinkedHashMap<>();
        dec.put("type", "WordPiece");
        dec.put("prefix", t.prefix());
        dec.put("cleanup", true);
        root.put("decoder", t.json().getOrDefault("decoder", dec));
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "WordPiece");
        model.put("unk_token", t.unkToken());
        model.put("continuing_subword_prefix", t.prefix());
        model.put("max_input_chars_per_word", t.maxInputCharsPerWord());
        Map<String, Object> vocab = new LinkedHashMap<>();
        String[] tokens = t.tokens();
        for (int i = 0; i < tokens.length; i++) if (tokens[i] != null) vocab.put(tokens[i], i);
        model.put("vocab", vocab);
        root.put("model", model);
        return root;
    }
}
