package dev.kiln.runtime.tokenizer.parity;

import java.util.Arrays;

/** Readable text and id lists for a parity failure message: invisible characters escaped, long values cut. */
final class Mismatch {
    private static final int MAX_CHARS = 240, MAX_IDS = 120;

    private Mismatch() {}

    static String encode(int line, String text, int[] kiln, String kilnError, int[] oracle) {
        return "\n  first encode mismatch, line " + (line + 1) + ": " + quote(text)
                + (kilnError != null ? "\n    kiln:   threw " + kilnError : "\n    kiln:   " + ids(kiln) + firstDifference(kiln, oracle))
                + "\n    oracle: " + ids(oracle);
    }

    static String decode(int line, int[] ids, String kiln, String oracle) {
        return "\n  first decode mismatch, line " + (line + 1) + ", ids " + ids(ids)
                + "\n    kiln:   " + kiln
                + "\n    oracle: " + quote(oracle);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        int n = 0;
        for (int i = 0; i < s.length(); i = s.offsetByCodePoints(i, 1)) {
            if (n++ == MAX_CHARS) {
                b.append("…(").append(s.codePointCount(0, s.length())).append(" code points)");
                break;
            }
            int cp = s.codePointAt(i);
            int type = Character.getType(cp);
            boolean invisible = Character.isISOControl(cp) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE || type == Character.UNASSIGNED
                    || (Character.isSpaceChar(cp) && cp != ' ');
            if (cp == '"' || cp == '\\') b.append('\\').append((char) cp);
            else if (invisible) b.append(String.format("\\u%04x", cp));
            else b.appendCodePoint(cp);
        }
        return b.append('"').toString();
    }

    static String ids(int[] ids) {
        if (ids == null) return "null";
        if (ids.length <= MAX_IDS) return Arrays.toString(ids);
        return Arrays.toString(Arrays.copyOf(ids, MAX_IDS)).replace("]", ", …] (" + ids.length + " ids)");
    }

    private static String firstDifference(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return " (first difference at index " + i + "; " + a.length + " vs " + b.length + " ids)";
    }
}
