package dev.kiln.runtime.fuzz;

import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Seeded corruptions of valid inputs: what truncated downloads, bad edits and hostile files look like. */
final class Mutations {
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
    private static final String[] EXTREMES = {"4294967297", "-1", "0", "1e20", "-1e308", "NaN", "9223372036854775808",
            "2147483647", "0.5", "null", "\"x\"", "[]", "{}", "true"};
    private static final String[] TOKENS = {"{", "}", "[", "]", "\"", ",", ":", "\\", "\n", " ", "null", "\u0000", "\uFFFF", "é"};

    private Mutations() {}

    /** One to three byte-level corruptions: flips, deletions, duplications, insertions, truncation. */
    static byte[] bytes(byte[] valid, Random rng) {
        byte[] b = valid.clone();
        for (int k = 0, n = 1 + rng.nextInt(3); k < n && b.length > 0; k++) {
            int at = rng.nextInt(b.length);
            switch (rng.nextInt(6)) {
                case 0 -> b[at] ^= (byte) (1 << rng.nextInt(8));
                case 1 -> b[at] = (byte) rng.nextInt(256);
                case 2 -> b = Arrays.copyOf(b, at);                                   // truncated
                case 3 -> b = splice(b, at, Math.min(b.length, at + 1 + rng.nextInt(16)), new byte[0]);
                case 4 -> b = splice(b, at, at, Arrays.copyOfRange(b, at, Math.min(b.length, at + 1 + rng.nextInt(16))));
                default -> {                                                          // the 8-byte header length of safetensors
                    int i = rng.nextInt(Math.min(8, b.length));
                    b[i] = (byte) rng.nextInt(256);
                }
            }
        }
        return b;
    }

    /** One to three text-level corruptions: a number replaced by an extreme value, syntax inserted or deleted. */
    static String text(String valid, Random rng) {
        String s = valid;
        for (int k = 0, n = 1 + rng.nextInt(3); k < n && !s.isEmpty(); k++) {
            switch (rng.nextInt(4)) {
                case 0 -> s = replaceNumber(s, rng);
                case 1 -> {
                    int at = rng.nextInt(s.length());
                    s = s.substring(0, at) + TOKENS[rng.nextInt(TOKENS.length)] + s.substring(at);
                }
                case 2 -> {
                    int at = rng.nextInt(s.length());
                    s = s.substring(0, at) + s.substring(Math.min(s.length(), at + 1 + rng.nextInt(8)));
                }
                default -> s = s.substring(0, rng.nextInt(s.length()));            // truncated
            }
        }
        return s;
    }

    private static String replaceNumber(String s, Random rng) {
        Matcher m = NUMBER.matcher(s);
        int count = 0;
        while (m.find()) count++;
        if (count == 0) return s;
        int pick = rng.nextInt(count);
        m.reset();
        for (int i = 0; i <= pick; i++) m.find();
        return s.substring(0, m.start()) + EXTREMES[rng.nextInt(EXTREMES.length)] + s.substring(m.end());
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
        byte[] out = new byte[b.length - (to - from) + insert.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(b, to, out, from + insert.length, b.length - to);
        return out;
    }
}
