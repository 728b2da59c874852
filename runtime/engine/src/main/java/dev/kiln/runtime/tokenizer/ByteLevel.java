package dev.kiln.runtime.tokenizer;

/**
 * GPT-2's byte ↔ character table ({@code bytes_to_unicode}): every byte maps to one printable
 * character, so a byte string is a string without spaces or control characters. Printable
 * Latin-1 bytes map to themselves; the other 68 map to U+0100.. in byte order ({@code ' '} is
 * {@code 'Ġ'}, {@code '\n'} is {@code 'Ċ'}).
 */
final class ByteLevel {
    private ByteLevel() {}

    private static final char[] TO_CHAR = new char[256];
    private static final int[] TO_BYTE = new int[324];

    static {
        java.util.Arrays.fill(TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            TO_CHAR[b] = c;
            TO_BYTE[c] = b;
        }
    }

    /** The character standing for byte {@code b} (0–255). */
    static char charOf(int b) { return TO_CHAR[b & 0xFF]; }

    /** The byte a byte-level character stands for, or -1 when {@code c} is not one. */
    static int byteOf(char c) { return c < TO_BYTE.length ? TO_BYTE[c] : -1; }

    /** The byte-level string of some bytes. */
    static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /** The bytes of a byte-level string, or null when a character is not byte-level. */
    static byte[] decode(String s) {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
            int b = byteOf(s.charAt(i));
            if (b < 0) return null;
            out[i] = (byte) b;
        }
        return out;
    }
}
