package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.ConfigException;
import org.junit.jupiter.api.Test;

import static dev.kiln.runtime.tokenizer.HfFixtures.decode;
import static dev.kiln.runtime.tokenizer.HfFixtures.decoder;
import static org.junit.jupiter.api.Assertions.*;

/** Decoders; expected text worked out by hand from Hugging Face tokenizers' decoders/*.rs. */
class HfDecoderTest {

    @Test
    void byteLevel() {
        TokenDecoder d = decoder("{\"type\": \"ByteLevel\"}");
        assertEquals("Hello my friend, how", decode(d, "Hello", "Ġmy", "Ġfriend", ",", "Ġhow"));
        assertEquals("é", decode(d, "Ã", "©"), "bytes of one character split over two tokens");
        assertEquals("\uFFFD!", decode(d, "Ã", "!"), "a lone lead byte");
        assertEquals("x▁y", decode(d, "x", "▁y"), "a token with non-byte-level characters is its own UTF-8");
    }

    @Test
    void metaspace() {
        assertEquals("Hey friend!", decode(decoder("{\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"always\"}"),
                "▁Hey", "▁friend!"));
        assertEquals(" Hey friend!", decode(decoder("{\"type\": \"Metaspace\", \"replacement\": \"▁\", \"prepend_scheme\": \"never\"}"),
                "▁Hey", "▁friend!"));
    }

    @Test
    void llama2Sequence() {
        TokenDecoder d = decoder("{\"type\": \"Sequence\", \"decoders\": [{\"type\": \"Replace\", \"pattern\": {\"String\": \"▁\"}, "
                + "\"content\": \" \"}, {\"type\": \"ByteFallback\"}, {\"type\": \"Fuse\"}, {\"type\": \"Strip\", \"content\": \" \", "
                + "\"start\": 1, \"stop\": 0}]}");
        assertEquals("Hello world!é", decode(d, "▁Hello", "▁world", "<0x21>", "<0xC3>", "<0xA9>"));
        assertEquals("a\uFFFD\uFFFDb", decode(d, "a", "<0xC3>", "<0x21>", "b"), "invalid UTF-8: one U+FFFD per byte token");
    }

    @Test
    void stripWordPieceBpe() {
        assertEquals(" x", decode(decoder("{\"type\": \"Strip\", \"content\": \" \", \"start\": 1, \"stop\": 2}"), "  x  "));
        assertEquals("unaffable, it ' s", decode(decoder("{\"type\": \"WordPiece\", \"prefix\": \"##\", \"cleanup\": true}"),
                "un", "##aff", "##able", ",", "it", "'", "s"), "cleanup works token by token");
        assertEquals("hello world", decode(decoder("{\"type\": \"BPEDecoder\", \"suffix\": \"</w>\"}"), "hel", "lo</w>", "world</w>"));
        assertEquals("a b", decode(TokenDecoder.NONE, "a", "b"), "no decoder: tokens joined by spaces");
    }

    @Test
    void unknownDecodersAreRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> decoder("{\"type\": \"CTC\"}"));
        assertTrue(e.getMessage().contains("decoder type 'CTC' is not supported") && e.getMessage().contains("ByteFallback"), e.getMessage());
    }
}
