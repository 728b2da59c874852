package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.kiln.runtime.tokenizer.HfFixtures.pieces;
import static dev.kiln.runtime.tokenizer.HfFixtures.preTokenizer;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Pre-tokenizers. Expected pieces are the ones in Hugging Face tokenizers' own unit tests
 * (pre_tokenizers/*.rs) where those exist; the Llama 3 regex case is worked out by hand,
 * alternative by alternative, as Oniguruma runs it.
 */
class HfPreTokenizerTest {
    static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*"
            + "|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+";

    @Test
    void byteLevel() {
        PreTokenizer plain = preTokenizer("{\"type\": \"ByteLevel\", \"add_prefix_space\": false}");
        assertEquals(List.of("Hello", "Ġmy", "Ġfriend", ",", "Ġhow", "Ġis", "Ġyour", "Ġday", "Ġgoing", "?"),
                pieces(plain, "Hello my friend, how is your day going?"));
        assertEquals(List.of("Hello", "Ġthere", "ĠĠĠĠĠĠ", "Ġdear"), pieces(plain, "Hello there       dear"));
        assertEquals(List.of("Hello", "Ġthere", "Ċ", "Hello", "Ġthere"), pieces(plain, "Hello there\nHello there"));
        assertEquals(List.of("i", "âŃ¢", "j"), pieces(plain, "i⭢j"));
        PreTokenizer prefixed = preTokenizer("{\"type\": \"ByteLevel\"}");
        assertEquals(List.of("ĠHello", "Ġmy"), pieces(prefixed, "Hello my"), "add_prefix_space defaults to true");
        assertEquals(List.of("ĠHello", "Ġmy"), pieces(prefixed, " Hello my"), "no second space");
        PreTokenizer whole = preTokenizer("{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"use_regex\": false}");
        assertEquals(List.of("ĠHelloĠmyĠfriend,ĠhowĠisĠyourĠdayĠgoing?"), pieces(whole, "Hello my friend, how is your day going?"));
    }

    @Test
    void splitBehaviorsOnTheInvertedWordRegex() {
        String text = "How are you doing?";
        assertEquals(List.of("How", "are", "you", "doing", "?"), pieces(split("Removed", true), text));
        assertEquals(List.of("How", " ", "are", " ", "you", " ", "doing", "?"), pieces(split("Isolated", true), text));
        assertEquals(List.of("How ", "are ", "you ", "doing", "?"), pieces(split("MergedWithPrevious", true), text));
        assertEquals(List.of("How", " are", " you", " doing", "?"), pieces(split("MergedWithNext", true), text));
        assertEquals(List.of("How", " ", "are", " ", "you", " ", "doing?"), pieces(split("Contiguous", true), text));
        assertEquals(List.of(" ", " ", " "), pieces(split("Removed", false), text), "not inverted: the words are removed");
        assertEquals(200, pieces(split("Removed", true), "a ".repeat(200)).size(), "many spans");
    }

    private static PreTokenizer split(String behavior, boolean invert) {
        return preTokenizer("{\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\w+|[^\\\\w\\\\s]+\"}, \"behavior\": \"" + behavior
                + "\", \"invert\": " + invert + "}");
    }

    @Test
    void splitOnAStringAsGemmaDoes() {
        PreTokenizer gemma = preTokenizer("{\"type\": \"Split\", \"pattern\": {\"String\": \" \"}, \"behavior\": \"MergedWithPrevious\"}");
        assertEquals(List.of("a ", "b ", " ", "c"), pieces(gemma, "a b  c"), "a space right after a merged one stays alone");
        PreTokenizer literal = preTokenizer("{\"type\": \"Split\", \"pattern\": {\"String\": \".*\"}, \"behavior\": \"Removed\"}");
        assertEquals(List.of("a", "b"), pieces(literal, "a.*b"), "a String pattern is literal text");
    }

    @Test
    void llama3RegexAsOnigurumaRunsIt() {
        PreTokenizer llama3 = preTokenizer("{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \""
                + LLAMA3 + "\"}, \"behavior\": \"Isolated\", \"invert\": false}, "
                + "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}");
        assertEquals(List.of("I", "'m", "Ġ", "123", "45", "Ġok", "ĊĊ", "Ġ", "Ġyes"), pieces(llama3, "I'm 12345 ok\n\n  yes"));
        assertEquals(List.of("WE", "'LL", "Ġgo"), pieces(llama3, "WE'LL go"), "(?i:...) folds case");
        assertEquals(List.of("Ġ!!!ĊĊ", "a"), pieces(llama3, " !!!\n\na"), "punctuation takes the newlines after it");
    }

    @Test
    void gpt2RegexSplitUsesTheScanner() {
        PreTokenizer p = preTokenizer("{\"type\": \"Split\", \"pattern\": {\"Regex\": \"" + GptRegexPreTokenizer.GPT2.replace("\\", "\\\\")
                + "\"}, \"behavior\": \"Isolated\", \"invert\": false}");
        assertSame(GptRegexPreTokenizer.INSTANCE, p);
        assertEquals(List.of("Hello", " there", "  ", " 42", "'s"), pieces(p, "Hello there   42's"));
    }

    @Test
    void metaspace() {
        PreTokenizer always = preTokenizer("{\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"always\", \"split\": true}");
        assertEquals(List.of("▁Hey", "▁friend!"), pieces(always, "Hey friend!"));
        assertEquals(List.of("▁Hey", "▁", "▁", "▁friend!"), pieces(always, "Hey   friend!"));
        PreTokenizer first = preTokenizer("{\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"first\"}");
        assertEquals(List.of("▁Hey", "▁friend!"), pieces(first, "Hey friend!"));
        List<String> notFirst = new ArrayList<>();
        first.split("Hey friend!", false, (s, a) -> notFirst.add(s));
        assertEquals(List.of("Hey", "▁friend!"), notFirst, "first: only text at the start of the input gets ▁");
        PreTokenizer never = preTokenizer("{\"type\": \"Metaspace\", \"replacement\": \"▁\", \"add_prefix_space\": false}");
        assertEquals(List.of("Hey", "▁friend!"), pieces(never, "Hey friend!"), "legacy add_prefix_space false = never");
        PreTokenizer whole = preTokenizer("{\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"always\", \"split\": false}");
        assertEquals(List.of("▁Hey▁friend!"), pieces(whole, "Hey friend!"));
    }

    @Test
    void characterClassSplits() {
        assertEquals(List.of("Hey", "man", "!"), pieces(preTokenizer("{\"type\": \"Whitespace\"}"), "Hey man!"));
        assertEquals(List.of("Hey", ",", "é_1", "!?"), pieces(preTokenizer("{\"type\": \"Whitespace\"}"), "Hey, é_1 !?"));
        assertEquals(List.of(), pieces(preTokenizer("{\"type\": \"Whitespace\"}"), "\n"));
        assertEquals(List.of("Hey", "man!"), pieces(preTokenizer("{\"type\": \"WhitespaceSplit\"}"), "Hey \u2028man!"));
        assertEquals(List.of("Hey", "friend", "!", "How", "are", "you", "?", "!", "?"),
                pieces(preTokenizer("{\"type\": \"BertPreTokenizer\"}"), "Hey friend!     How are you?!?"));
        assertEquals(List.of("Hey ", "1", "2", "3", " friend!"),
                pieces(preTokenizer("{\"type\": \"Digits\", \"individual_digits\": true}"), "Hey 123 friend!"));
        assertEquals(List.of("Hey ", "123", " friend!"),
                pieces(preTokenizer("{\"type\": \"Digits\", \"individual_digits\": false}"), "Hey 123 friend!"));
        assertEquals(List.of("Hey friend", "!", "     How are you", "?", "!", "?"),
                pieces(preTokenizer("{\"type\": \"Punctuation\"}"), "Hey friend!     How are you?!?"));
        assertEquals(List.of("a", "b", "c"), pieces(preTokenizer("{\"type\": \"CharDelimiterSplit\", \"delimiter\": \"-\"}"), "a-b--c"));
        assertEquals(List.of("Hello", "4", "2"), pieces(preTokenizer("{\"type\": \"Sequence\", \"pretokenizers\": ["
                + "{\"type\": \"WhitespaceSplit\"}, {\"type\": \"Digits\", \"individual_digits\": true}]}"), "Hello 42"));
    }

    @Test
    void unknownTypesAndBadOptionsAreRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> preTokenizer("{\"type\": \"UnicodeScripts\"}"));
        assertTrue(e.getMessage().contains("test.json") && e.getMessage().contains("pre_tokenizer type 'UnicodeScripts' is not supported")
                && e.getMessage().contains("Metaspace"), e.getMessage());
        ConfigException b = assertThrows(ConfigException.class, () -> split("Sideways", false));
        assertTrue(b.getMessage().contains("behavior") && b.getMessage().contains("Sideways"), b.getMessage());
        ConfigException r = assertThrows(ConfigException.class, () -> preTokenizer(
                "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(a\"}, \"behavior\": \"Isolated\"}"));
        assertTrue(r.getMessage().contains("pre_tokenizer.pattern.Regex") && r.getMessage().contains("(a"), r.getMessage());
    }
}
