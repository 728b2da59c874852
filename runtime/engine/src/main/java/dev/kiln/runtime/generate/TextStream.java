package dev.kiln.runtime.generate;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Turns generated token ids into text as they arrive, safely for multi-byte characters and stop
 * strings. After each token the whole generated sequence is decoded (special tokens skipped) and
 * only the part that is final is emitted:
 * <ul>
 *   <li>trailing U+FFFD replacement characters are held back: a byte-level tokenizer has produced
 *       only part of a UTF-8 sequence, and the next token completes it;</li>
 *   <li>a suffix that could be the start of a stop string is held back until it either completes
 *       the stop string (then it is cut, with everything after it) or diverges from it.</li>
 * </ul>
 * Decoding the whole sequence each time is O(n²) in the generated length, which is negligible
 * next to a forward pass for the lengths a CLI generates.
 */
public final class TextStream {
    private final Tokenizer tokenizer;
    private final List<String> stop;
    private final Consumer<String> sink;
    private int[] ids = new int[16];
    private int count;
    private String text = "";
    private int emitted;
    private boolean stopped;

    /** @param sink receives each newly final piece of text (never empty); may be null */
    public TextStream(Tokenizer tokenizer, List<String> stopStrings, Consumer<String> sink) {
        this.tokenizer = tokenizer;
        this.stop = stopStrings == null ? List.of() : stopStrings;
        this.sink = sink;
    }

    /** Adds one token; returns true when a stop string has now appeared (the text is cut before it). */
    public boolean add(int id) {
        if (stopped) return true;
        if (count == ids.length) ids = Arrays.copyOf(ids, count * 2);
        ids[count++] = id;
        text = tokenizer.decode(Arrays.copyOf(ids, count), true);
        int cut = firstStop(text);
        if (cut >= 0) {
            text = text.substring(0, cut);
            stopped = true;
            emit(text.length());
            return true;
        }
        int safe = text.length();
        while (safe > emitted && text.charAt(safe - 1) == '\uFFFD' && text.length() - safe < 3) safe--;
        safe = Math.min(safe, text.length() - heldForStop(text));
        emit(safe);
        return false;
    }

    /** Emits whatever is still held back (at the end of generation). */
    public void flush() {
        emit(text.length());
    }

    /** The generated text so far (cut at a stop string when one appeared). */
    public String text() {
        return text;
    }

    public boolean stopped() {
        return stopped;
    }

    private void emit(int upTo) {
        if (upTo <= emitted) return;
        String piece = text.substring(emitted, upTo);
        emitted = upTo;
        if (sink != null) sink.accept(piece);
    }

    private int firstStop(String s) {
        int best = -1;
        for (String st : stop) {
            int at = s.indexOf(st);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    /** Length of the longest suffix of s that is a proper prefix of some stop string. */
    private int heldForStop(String s) {
        int held = 0;
        for (String st : stop) {
            for (int len = Math.min(st.length() - 1, s.length()); len > held; len--) {
                if (s.regionMatches(s.length() - len, st, 0, len)) {
                    held = len;
                    break;
                }
            }
        }
        return held;
    }
}
