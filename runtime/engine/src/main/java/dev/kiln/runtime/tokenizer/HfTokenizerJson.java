package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face tokenizer.json into an {@link HfTokenizer}: every component by its
 * {@code type}, refusing any this package does not implement with an error naming the file, the
 * key and the type. Kiln's special-token names (EOS, PAD, ...) come from tokenizer_config.json's
 * roles when there is one, else from well-known special tokens of the file.
 */
final class HfTokenizerJson {
    private HfTokenizerJson() {}

    /** Well-known special tokens standing for Kiln's names when tokenizer_config.json does not say. */
    private static final Map<String, List<String>> GUESSES = Map.of(
            Tokenizer.EOS, List.of("</s>", "<|end_of_text|>", "<eos>"),
            Tokenizer.PAD, List.of("<pad>", "<|pad|>"),
            Tokenizer.MASK, List.of("<mask>"),
            Tokenizer.UNK, List.of("<unk>"));

    static HfTokenizer read(Map<String, Object> root, String file, HfTokenizerConfig config) {
        TokenModel model = TokenModel.fromJson(root.get("model"), file);
        TextNormalizer normalizer = TextNormalizer.fromJson(root.get("normalizer"), file, "normalizer");
        PreTokenizer preTokenizer = PreTokenizer.fromJson(root.get("pre_tokenizer"), file, "pre_tokenizer");
        PostProcessor post = PostProcessor.fromJson(root.get("post_processor"), file, "post_processor");
        TokenDecoder decoder = TokenDecoder.fromJson(root.get("decoder"), file, "decoder");
        List<AddedToken> added = HfJson.addedTokens(root, file);
        Map<String, Integer> vocab = model.vocab();
        for (AddedToken t : added) {
            Integer id = vocab.get(t.content());
            if (id != null && id != t.id())
                throw HfJson.error(file, "added_tokens", "gives '" + t.content() + "' id " + t.id() + " but model.vocab has it as " + id);
            String other = model.token(t.id());
            if (other != null && !other.equals(t.content()))
                throw HfJson.error(file, "added_tokens", "gives id " + t.id() + " to '" + t.content() + "' but model.vocab has '" + other + "' there");
        }
        String type = model instanceof BpeMergeModel ? "bpe" : model instanceof WordPieceModel ? "wordpiece"
                : model instanceof UnigramModel ? "unigram" : "wordlevel";
        return new HfTokenizer(type, root, normalizer, preTokenizer, model, post, decoder, added,
                specials(added, vocab, config), config);
    }

    private static Map<String, Integer> specials(List<AddedToken> added, Map<String, Integer> vocab, HfTokenizerConfig config) {
        Map<String, Integer> out = new LinkedHashMap<>();
        Map<String, Integer> addedIds = new LinkedHashMap<>();
        for (AddedToken t : added) {
            addedIds.put(t.content(), t.id());
            if (t.special()) out.put(t.content(), t.id());
        }
        for (var e : HfTokenizerConfig.KILN_ROLES.entrySet()) {
            if (out.containsKey(e.getKey())) continue;
            String token = config.role(e.getValue());
            Integer id = token == null ? null : addedIds.getOrDefault(token, vocab.get(token));
            if (id == null) {
                for (String guess : GUESSES.getOrDefault(e.getKey(), List.of())) {
                    id = out.get(guess);
                    if (id != null) break;
                }
            }
            if (id != null) out.put(e.getKey(), id);
        }
        return out;
    }
}
