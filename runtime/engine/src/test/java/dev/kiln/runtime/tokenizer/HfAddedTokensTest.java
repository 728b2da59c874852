package dev.kiln.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Added tokens in text and special tokens from the post-processor. The splits are those of
 * Hugging Face tokenizers' tests (tokenizer/added_vocabulary.rs: options_use_cases,
 * test_single_word_is_correct, test_lstrip_unicode_space); the ids follow from them by hand.
 */
class HfAddedTokensTest {
    static final String TOKENIZER = """
            {"added_tokens": [
              {"id": 0, "content": "[CLS]", "special": true, "normalized": false},
              {"id": 1, "content": "[SEP]", "special": true, "normalized": false},
              {"id": 2, "content": "my", "special": false, "normalized": true, "lstrip": true, "rstrip": true},
              {"id": 3, "content": "name", "special": false, "normalized": true},
              {"id": 4, "content": "ony", "special": false, "normalized": true, "single_word": true}],
             "normalizer": {"type": "Lowercase"},
             "pre_tokenizer": {"type": "WhitespaceSplit"},
             "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 1], "cls": ["[CLS]", 0]},
             "model": {"type": "WordLevel", "unk_token": "[UNK]",
                       "vocab": {"[CLS]": 0, "[SEP]": 1, "my": 2, "name": 3, "ony": 4, "is": 5, "anthony": 6, "[UNK]": 7, "[cls]": 8}}}
            """;

    @Test
    void specialTokensInTextAreTheirIdsAndPostProcessingIsOptional() {
        HfTokenizer t = HfFixtures.tokenizer(TOKENIZER);
        String text = "[CLS] My name is Anthony [SEP]";
        assertArrayEquals(new int[] {0, 2, 3, 5, 6, 1}, t.encode(text, false),
                "[CLS] | ' my ' (lstrip, rstrip, matched after lowercasing) | name | is anthony (ony is not a single word) | [SEP]");
        assertArrayEquals(new int[] {0, 0, 2, 3, 5, 6, 1, 1}, t.encode(text, true), "BertProcessing adds [CLS] ... [SEP]");
        assertArrayEquals(t.encode(text, false), t.encode(text), "encode(text) is HF's call without added special tokens");
        assertArrayEquals(new int[] {8, 2, 3, 5, 6, 7}, t.withSplitSpecialTokens(true).encode(text),
                "split_special_tokens: special-token strings are text ([cls] is a word, [sep] unknown); non-special added tokens still match");
        assertArrayEquals(new int[] {0, 3, 1, 5, 1}, t.encodePair("name", "is", true));
        assertArrayEquals(new int[] {0, 1}, t.encode("", true));
        assertArrayEquals(new int[] {}, t.encode(""));
    }

    @Test
    void singleWordTokensNeedNonWordNeighbours() {
        AddedVocabulary v = new AddedVocabulary(List.of(new AddedToken(0, "<mask>", false, true, false, false, true)), true, null);
        assertEquals(List.of("<mask>=0", " my name =-1", "<mask>=0", " a<mask> <mask>ony =-1", "<mask>=0"),
                parts(v, "<mask> my name <mask> a<mask> <mask>ony <mask>"));
        assertEquals(List.of("<mask>=0", ", =-1", "<mask>=0", "- ◌̰<mask>=-1"), parts(v, "<mask>, <mask>- ◌̰<mask>"),
                "punctuation is not a word character, a combining mark is");
    }

    @Test
    void lstripAndRstripTakeUnicodeWhitespace() {
        AddedVocabulary v = new AddedVocabulary(List.of(new AddedToken(0, "<mask>", false, true, true, true, true)), true, null);
        assertEquals(List.of("hi=-1", " <mask> =0", "there=-1", "\t<mask>\t=0", "<mask>\u2000=0"),
                parts(v, "hi <mask> there\t<mask>\t<mask>\u2000"));
    }

    @Test
    void longestTokenWinsAtTheSamePlaceAndSpecialsCanBeText() {
        AddedVocabulary v = new AddedVocabulary(List.of(AddedToken.special(0, "<|a|>"), AddedToken.special(1, "<|a|><|b|>"),
                new AddedToken(2, "|>", false, false, false, false, false)), false, null);
        assertEquals(List.of("x=-1", "<|a|><|b|>=1", "<|a|>=0"), parts(v, "x<|a|><|b|><|a|>"));
        List<String> asText = new ArrayList<>();
        v.split("x<|a|>y", true, (s, from, to, id) -> asText.add(s.substring(from, to) + "=" + id));
        assertEquals(List.of("x<|a|>y=-1"), asText, "the scan passes over a skipped special token, as Hugging Face's does");
    }

    private static List<String> parts(AddedVocabulary v, String text) {
        List<String> out = new ArrayList<>();
        v.split(text, false, (s, from, to, id) -> out.add(s.substring(from, to) + "=" + id));
        return out;
    }

    @Test
    void templateAndRobertaProcessing() {
        String model = "\"model\": {\"type\": \"WordLevel\", \"unk_token\": \"<unk>\", \"vocab\": {\"<unk>\": 0, \"<s>\": 1, \"</s>\": 2, \"a\": 3, \"b\": 4}}";
        HfTokenizer llama = HfFixtures.tokenizer("{\"added_tokens\": [{\"id\": 1, \"content\": \"<s>\", \"special\": true}], "
                + "\"pre_tokenizer\": {\"type\": \"WhitespaceSplit\"}, \"post_processor\": {\"type\": \"TemplateProcessing\", "
                + "\"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}], "
                + "\"pair\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, "
                + "{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 1}}, {\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}], "
                + "\"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [1], \"tokens\": [\"<s>\"]}}}, " + model + "}");
        assertArrayEquals(new int[] {1, 3, 4}, llama.encode("a b", true));
        assertArrayEquals(new int[] {3, 4}, llama.encode("a b", false));
        assertArrayEquals(new int[] {1, 3, 1, 4}, llama.encodePair("a", "b", true));
        HfTokenizer roberta = HfFixtures.tokenizer("{\"pre_tokenizer\": {\"type\": \"WhitespaceSplit\"}, \"post_processor\": "
                + "{\"type\": \"RobertaProcessing\", \"sep\": [\"</s>\", 2], \"cls\": [\"<s>\", 1]}, " + model + "}");
        assertArrayEquals(new int[] {1, 3, 2}, roberta.encode("a", true));
        assertArrayEquals(new int[] {1, 3, 2, 2, 4, 2}, roberta.encodePair("a", "b", true));
        HfTokenizer sequence = HfFixtures.tokenizer("{\"pre_tokenizer\": {\"type\": \"WhitespaceSplit\"}, \"post_processor\": "
                + "{\"type\": \"Sequence\", \"processors\": [{\"type\": \"ByteLevel\"}, {\"type\": \"BertProcessing\", "
                + "\"sep\": [\"</s>\", 2], \"cls\": [\"<s>\", 1]}]}, " + model + "}");
        assertArrayEquals(new int[] {1, 3, 4, 2}, sequence.encode("a b", true));
    }
}
