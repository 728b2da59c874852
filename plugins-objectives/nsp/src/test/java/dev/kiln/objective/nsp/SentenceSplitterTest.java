package dev.kiln.objective.nsp;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SentenceSplitterTest {
    @Test
    void splitsOnTerminalPunctuationFollowedByWhitespace() {
        assertEquals(List.of("One day it rained.", "Did it?", "Yes!", "The end..."),
                SentenceSplitter.split("One day it rained. Did it?\nYes!  The end..."));
    }

    @Test
    void keepsClosingQuotesAndIgnoresInnerDots() {
        assertEquals(List.of("\"Where are you going?\"", "\"Home,\" said Ada.", "It is 3.5 km away."),
                SentenceSplitter.split("\"Where are you going?\" \"Home,\" said Ada. It is 3.5 km away."));
    }

    @Test
    void aBlankLineEndsASentenceAndTrailingTextIsKept() {
        assertEquals(List.of("Things Tomas Knows", "Two minus one is one.", "no stop at the end"),
                SentenceSplitter.split("Things Tomas Knows\n\nTwo minus one is one.\nno stop at the end"));
        assertEquals(List.of(), SentenceSplitter.split("  \n\n "));
    }
}
