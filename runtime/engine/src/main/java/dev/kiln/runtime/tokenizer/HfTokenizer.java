package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Hugging Face {@code tokenizer.json} run as the {@code tokenizers} library runs it: added
 * tokens are cut out of the raw text, each stretch between them is normalized, normalized added
 * tokens are cut out of that, the rest is pre-tokenized into pieces, the model turns each piece
 * into ids (cached per piece), and the post-processor adds special tokens when asked.
 * <p>
 * {@link #encode(String)} is Hugging Face's {@code encode(text, add_special_tokens=False)}:
 * special-token strings in the text become their ids unless the tokenizer was made with
 * {@code split_special_tokens} ({@link #withSplitSpecialTokens}); no post-processor.
 * {@link #encode(String, boolean)} is Hugging Face's default call, {@code addSpecialTokens}
 * applying the post-processor. Thread-safe.
 */
public final class HfTokenizer implements Tokenizer, SpecialTokenSplitting {
    private static final int CACHE_MAX_PIECE = 64, CACHE_MAX_ENTRIES = 200_000;

    private final String name;
    private final Map<String, Object> json;
    private final TextNormalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final TokenModel model;
    private final PostProcessor postProcessor;
    private final TokenDecoder decoder;
    private final AddedVocabulary rawAdded, normalizedAdded;
    private final List<AddedToken> added;
    private final String[] addedContent;            // by id
    private final boolean[] special;                // by id: special added tokens and Kiln's aliases
    private final boolean[] specialAdded;           // by id: added tokens with special: true (skipped by decode)
    private final Map<String, Integer> specials;
    private final HfTokenizerConfig config;
    private final int vocab;
    private final boolean splitSpecialTokens;
    private final Map<String, int[]> cache;

    HfTokenizer(String name, Map<String, Object> json, TextNormalizer normalizer, PreTokenizer preTokenizer, TokenModel model,
                PostProcessor postProcessor, TokenDecoder decoder, List<AddedToken> added, Map<String, Integer> specials,
                HfTokenizerConfig config) {
        this.name = name;
        this.json = json;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        this.added = List.copyOf(added);
        this.config = config;
        this.rawAdded = new AddedVocabulary(added, false, normalizer);
        this.normalizedAdded = new AddedVocabulary(added, true, normalizer);
        int max = model.size() - 1;
        for (AddedToken t : added) max = Math.max(max, t.id());
        vocab = max + 1;
        addedContent = new String[vocab];
        specialAdded = new boolean[vocab];
        special = new boolean[vocab];
        for (AddedToken t : added) {
            addedContent[t.id()] = t.content();
            specialAdded[t.id()] = t.special();
        }
        for (int id : specials.values()) special[id] = true;
        this.specials = Collections.unmodifiableMap(specials);
        this.splitSpecialTokens = false;
        this.cache = new ConcurrentHashMap<>();
    }

    private HfTokenizer(HfTokenizer t, boolean splitSpecialTokens) {
        name = t.name; json = t.json; normalizer = t.normalizer; preTokenizer = t.preTokenizer; model = t.model;
        postProcessor = t.postProcessor; decoder = t.decoder; rawAdded = t.rawAdded; normalizedAdded = t.normalizedAdded;
        added = t.added; addedContent = t.addedContent; special = t.special; specialAdded = t.specialAdded;
        specials = t.specials; config = t.config; vocab = t.vocab; cache = t.cache;   // pieces between added tokens encode alike
        this.splitSpecialTokens = splitSpecialTokens;
    }

    @Override
    public boolean splitsSpecialTokens() { return splitSpecialTokens; }

    @Override
    public HfTokenizer withSplitSpecialTokens(boolean split) {
        return split == splitSpecialTokens ? this : new HfTokenizer(this, split);
    }

    @Override
    public String name() { return name; }

    @Override
    public int vocabSize() { return vocab; }

    @Override
    public Map<String, Integer> specialTokens() { return specials; }

    @Override
    public boolean isSpecial(int id) { return id >= 0 && id < vocab && special[id]; }

    /** tokenizer.json as read (written back unchanged on save). */
    Map<String, Object> json() { return json; }

    /** tokenizer_config.json beside the file (empty when there was none). */
    public HfTokenizerConfig config() { return config; }

    List<AddedToken> addedTokens() { return added; }

    /** The id of a token (added or in the model's vocabulary), or null. */
    public Integer tokenId(String token) {
        for (AddedToken t : added) if (t.content().equals(token)) return t.id();
        return model.vocab().get(token);
    }

    /** The text of a token id (an added token's content or the model's token), or null. */
    public String tokenText(int id) {
        if (id < 0 || id >= vocab) return null;
        return addedContent[id] != null ? addedContent[id] : model.token(id);
    }

    @Override
    public int[] encode(String text) {
        return encode(text, false, splitSpecialTokens);
    }

    /** Hugging Face's {@code encode(text, add_special_tokens)}: special-token strings in the text are their ids. */
    public int[] encode(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens, false);
    }

    /** Hugging Face's encoding of a pair (e.g. [CLS] a [SEP] b [SEP] with special tokens). */
    public int[] encodePair(String a, String b, boolean addSpecialTokens) {
        int[] x = encode(a, false, false), y = encode(b, false, false);
        return addSpecialTokens ? postProcessor.process(x, y) : PostProcessor.concat(x, y);
    }

    /** All of Hugging Face's options: {@code splitSpecialTokens} encodes special-token strings as text. */
    public int[] encode(String text, boolean addSpecialTokens, boolean splitSpecialTokens) {
        IntList out = new IntList(text.length() / 3 + 4);
        rawAdded.split(text, splitSpecialTokens, (s, from, to, id) -> {
            if (id >= 0) { out.add(id); return; }
            if (from == to) return;
            String segment = from == 0 && to == s.length() ? s : s.substring(from, to);
            String normalized = normalizer == null ? segment : normalizer.normalize(segment);
            if (normalized.isEmpty()) return;
            boolean atStart = from == 0;
            normalizedAdded.split(normalized, splitSpecialTokens, (ns, f, t, nid) -> {
                if (nid >= 0) { out.add(nid); return; }
                if (f == t) return;
                String piece = f == 0 && t == ns.length() ? ns : ns.substring(f, t);
                if (preTokenizer == null) tokenizePiece(piece, out);
                else preTokenizer.split(piece, atStart && f == 0, (p, a) -> tokenizePiece(p, out));
            });
        });
        int[] ids = out.toArray();
        return addSpecialTokens ? postProcessor.process(ids, null) : ids;
    }

    private void tokenizePiece(String piece, IntList out) {
        if (piece.isEmpty()) return;
        if (piece.length() > CACHE_MAX_PIECE) {
            model.tokenize(piece, out);
            return;
        }
        int[] ids = cache.get(piece);
        if (ids == null) {
            IntList one = new IntList(4);
            model.tokenize(piece, one);
            ids = one.toArray();
            if (cache.size() >= CACHE_MAX_ENTRIES) cache.clear();
            cache.put(piece, ids);
        }
        if (ids.length == 1) out.add(ids[0]);
        else out.addAll(ids);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            String t = id >= 0 && id < vocab ? (addedContent[id] != null ? addedContent[id] : model.token(id)) : null;
            if (t == null)
                throw new IllegalArgumentException(name + ": id " + id + " at position " + i + " is not in the vocabulary (size " + vocab + ")");
            if (skipSpecial && specialAdded[id]) continue;
            tokens.add(t);
        }
        return String.join("", decoder.decode(tokens));
    }

    @Override
    public String toString() {
        return "HfTokenizer(" + name + ", vocab=" + vocab + ", specials=" + specials.keySet() + ")";
    }
}
