package dev.kiln.runtime.generate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TextStreamTest {
    private final TestBytes bytes = new TestBytes();

    @Test
    void multiByteCharactersAreEmittedWhole() {
        List<String> pieces = new ArrayList<>();
        TextStream s = new TextStream(bytes, List.of(), pieces::add);
        for (int id : bytes.encode("aé€😀b")) s.add(id);
        s.flush();
        assertEquals(List.of("a", "é", "€", "😀", "b"), pieces);
        assertEquals("aé€😀b", s.text());
    }

    @Test
    void stopStringIsCutAndNeverEmitted() {
        StringBuilder out = new StringBuilder();
        TextStream s = new TextStream(bytes, List.of("\n\n", "END"), out::append);
        boolean stopped = false;
        for (int id : bytes.encode("one\ntwo EN and END more")) {
            stopped = s.add(id);
            if (stopped) break;
        }
        s.flush();
        assertTrue(stopped);
        assertEquals("one\ntwo EN and ", out.toString());
        assertEquals("one\ntwo EN and ", s.text());
    }

    @Test
    void heldBackPrefixIsReleasedAtTheEnd() {
        StringBuilder out = new StringBuilder();
        TextStream s = new TextStream(bytes, List.of("STOP"), out::append);
        for (int id : bytes.encode("abcST")) s.add(id);
        assertEquals("abc", out.toString());
        s.flush();
        assertEquals("abcST", out.toString());
    }

    @Test
    void specialTokensAreSkipped() {
        StringBuilder out = new StringBuilder();
        TextStream s = new TextStream(bytes, List.of(), out::append);
        s.add('x');
        s.add(TestBytes.EOS_ID);
        s.add('y');
        s.flush();
        assertEquals("xy", out.toString());
    }
}
