package dev.kiln.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites the two pieces of Jinja2 expression syntax that Jinjava's parser reads differently,
 * before Jinjava sees the template (text outside {@code {{ }}} and {@code {% %}}, comments and
 * string literals are left as they are):
 * <ul>
 *   <li><b>keyword arguments</b>: Jinja2's {@code namespace(n=messages|length - 1)} passes
 *       {@code messages|length - 1}; Jinjava binds {@code n=messages|length} first. Each keyword
 *       argument's value is put in parentheses: {@code n=(messages|length - 1)};</li>
 *   <li><b>slices</b>: Jinjava has no step ({@code messages[::-1]}) and its own bounds rules; every
 *       {@code x[a:b:c]} becomes {@code (x|pyslice(a, b, c))}, Python's slice of a list or string.</li>
 * </ul>
 * A unary {@code not} gets its operand parenthesised, as Jinja2's binds looser than comparisons and tests
 * ({@link #unaryNots}). Every {@code {{ expression }}} prints {@code (expression)|pystr}, Python's {@code str()} of the value
 * ({@code True}, {@code [1, 'x']}), where Jinjava would print {@code true}. Macro and call tags are left alone (their signatures declare defaults, not arguments).
 */
final class JinjaRewriter {
    private JinjaRewriter() {}

    static String rewrite(String source) {
        StringBuilder out = new StringBuilder(source.length() + 64);
        int i = 0, n = source.length();
        while (i < n) {
            int open = source.indexOf('{', i);
            if (open < 0 || open + 1 >= n) {
                out.append(source, i, n);
                break;
            }
            char kind = source.charAt(open + 1);
            if (kind != '{' && kind != '%' && kind != '#') {
                out.append(source, i, open + 1);
                i = open + 1;
                continue;
            }
            out.append(source, i, open);
            if (kind == '#') {
                int end = source.indexOf("#}", open + 2);
                end = end < 0 ? n : end + 2;
                out.append(source, open, end);
                i = end;
                continue;
            }
            String close = kind == '{' ? "}}" : "%}";
            int end = tagEnd(source, open + 2, close);
            if (end < 0) {                                         // unterminated: Jinjava reports it
                out.append(source, open, n);
                break;
            }
            String inner = source.substring(open + 2, end);
            String word = firstWord(inner);
            if (kind == '%' && word.equals("raw")) {
                int endRaw = source.indexOf("endraw", end);
                int after = endRaw < 0 ? n : source.indexOf("%}", endRaw);
                after = after < 0 ? n : after + 2;
                out.append(source, open, after);
                i = after;
                continue;
            }
            boolean keep = kind == '%' && (word.equals("macro") || word.equals("call"));
            String body = keep ? inner : kind == '{' ? printed(inner) : statement(inner);
            out.append(source, open, open + 2).append(body).append(close);
            i = end + 2;
        }
        return out.toString();
    }

    /** A {@code {{ }}} tag's inner text with its expression passed through {@code pystr} (Python's str()), whitespace markers kept. */
    private static String printed(String inner) {
        int from = 0, to = inner.length();
        if (from < to && (inner.charAt(from) == '-' || inner.charAt(from) == '+')) from++;
        if (to > from && (inner.charAt(to - 1) == '-' || inner.charAt(to - 1) == '+')) to--;
        String expr = inner.substring(from, to);
        if (expr.isBlank()) return inner;
        return inner.substring(0, from) + " (" + expression(expr.strip()) + ")|pystr " + inner.substring(to);
    }

    /** A {@code {% %}} tag's inner text rewritten, its whitespace markers kept outside the expression. */
    private static String statement(String inner) {
        int from = 0, to = inner.length();
        if (from < to && (inner.charAt(from) == '-' || inner.charAt(from) == '+')) from++;
        if (to > from && (inner.charAt(to - 1) == '-' || inner.charAt(to - 1) == '+')) to--;
        return inner.substring(0, from) + expression(inner.substring(from, to)) + inner.substring(to);
    }

    /** Where {@code close} ends a tag that starts at {@code from}, skipping string literals; -1 if never. */
    private static int tagEnd(String s, int from, String close) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') i = stringEnd(s, i);
            else if (s.startsWith(close, i)) return i;
        }
        return -1;
    }

    private static String firstWord(String inner) {
        String t = inner.strip();
        if (t.startsWith("-") || t.startsWith("+")) t = t.substring(1).strip();
        int e = 0;
        while (e < t.length() && Character.isJavaIdentifierPart(t.charAt(e))) e++;
        return t.substring(0, e);
    }

    /** The index of the quote that closes the string literal opened at {@code at} (or the last index). */
    private static int stringEnd(String s, int at) {
        char q = s.charAt(at);
        for (int i = at + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') i++;
            else if (c == q) return i;
        }
        return s.length() - 1;
    }

    /** The index of the bracket closing the one at {@code at}; -1 when unbalanced. */
    private static int matching(String s, int at) {
        int depth = 0;
        for (int i = at; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') i = stringEnd(s, i);
            else if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') {
                if (--depth == 0) return i;
            }
        }
        return -1;
    }

    /** {@code s} split at top-level occurrences of {@code sep}. */
    private static List<String> splitTop(String s, char sep) {
        List<String> parts = new ArrayList<>();
        int depth = 0, from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') i = stringEnd(s, i);
            else if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') depth--;
            else if (c == sep && depth == 0) {
                parts.add(s.substring(from, i));
                from = i + 1;
            }
        }
        parts.add(s.substring(from));
        return parts;
    }

    static String expression(String e) {
        StringBuilder out = new StringBuilder(e.length() + 16);
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(e, i);
                out.append(e, i, end + 1);
                i = end;
                continue;
            }
            if (c != '(' && c != '[' && c != '{') {
                out.append(c);
                continue;
            }
            int close = matching(e, i);
            if (close < 0) {
                out.append(e.substring(i));
                break;
            }
            String inner = e.substring(i + 1, close);
            boolean postfix = out.length() > 0 && isPrimaryEnd(out.charAt(out.length() - 1));
            if (c == '[' && postfix && splitTop(inner, ':').size() > 1) slice(out, splitTop(inner, ':'));
            else if (c == '(' && postfix) out.append('(').append(arguments(inner)).append(')');
            else out.append(c).append(expression(inner)).append(e.charAt(close));
            i = close;
        }
        return unaryNots(out.toString());
    }

    private static final java.util.Set<String> BEFORE_UNARY = java.util.Set.of("", "if", "elif", "and", "or", "not", "else", "in", "return");
    private static final java.util.Set<String> ENDS_OPERAND = java.util.Set.of("and", "or", "if", "else");

    /**
     * Jinja2's {@code not} applies to a whole comparison ({@code not x is defined} is
     * {@code not (x is defined)}, {@code not a == b} is {@code not (a == b)}); Jinjava's binds to the
     * next operand. Each unary {@code not} at this level (not {@code is not} nor {@code not in}) gets
     * its operand, up to the next and / or / if / else / comma, parenthesised.
     */
    private static String unaryNots(String e) {
        StringBuilder out = new StringBuilder(e.length() + 8);
        int i = 0, n = e.length();
        String previousWord = "";
        while (i < n) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(e, i);
                out.append(e, i, end + 1);
                i = end + 1;
                previousWord = "'";
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                int close = matching(e, i);
                int end = close < 0 ? n : close + 1;
                out.append(e, i, end);
                i = end;
                previousWord = ")";
                continue;
            }
            if (Character.isJavaIdentifierStart(c)) {
                int j = i;
                while (j < n && Character.isJavaIdentifierPart(e.charAt(j))) j++;
                String word = e.substring(i, j);
                boolean unary = word.equals("not") && BEFORE_UNARY.contains(previousWord);    // "" after a symbol or at the start
                if (unary && !nextWordIs(e, j, "in")) {
                    int start = j;
                    while (start < n && Character.isWhitespace(e.charAt(start))) start++;
                    int end = Math.max(start, operandEnd(e, start));
                    out.append("not (").append(e, start, end).append(')');
                    i = end;
                    previousWord = ")";
                    continue;
                }
                out.append(word);
                previousWord = word;
                i = j;
                continue;
            }
            if (!Character.isWhitespace(c)) previousWord = "";
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static boolean nextWordIs(String e, int from, String word) {
        int i = from;
        while (i < e.length() && Character.isWhitespace(e.charAt(i))) i++;
        return e.startsWith(word, i) && (i + word.length() >= e.length() || !Character.isJavaIdentifierPart(e.charAt(i + word.length())));
    }

    /** Where the operand of a unary not that starts at {@code from} ends: the next top-level and / or / if / else / comma. */
    private static int operandEnd(String e, int from) {
        int i = from, n = e.length();
        while (i < n) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') i = stringEnd(e, i) + 1;
            else if (c == '(' || c == '[' || c == '{') {
                int close = matching(e, i);
                i = close < 0 ? n : close + 1;
            } else if (c == ',') break;
            else if (Character.isJavaIdentifierStart(c) && (i == 0 || !Character.isJavaIdentifierPart(e.charAt(i - 1)))) {
                int j = i;
                while (j < n && Character.isJavaIdentifierPart(e.charAt(j))) j++;
                if (ENDS_OPERAND.contains(e.substring(i, j))) break;
                i = j;
            } else i++;
        }
        while (i > from && Character.isWhitespace(e.charAt(i - 1))) i--;
        return i;
    }

    private static boolean isPrimaryEnd(char c) {
        return Character.isJavaIdentifierPart(c) || c == ')' || c == ']' || c == '\'' || c == '"';
    }

    /** Replaces the primary at the end of {@code out} with {@code (primary|pyslice(start, stop, step))}. */
    private static void slice(StringBuilder out, List<String> parts) {
        int start = primaryStart(out);
        out.insert(start, '(');
        out.append("|pyslice(");
        for (int k = 0; k < 3; k++) {
            if (k > 0) out.append(", ");
            String p = k < parts.size() ? parts.get(k).strip() : "";
            out.append(p.isEmpty() ? "none" : "(" + expression(p) + ")");
        }
        out.append("))");
    }

    /** Where the primary expression (name, attribute and subscript chain, call, parenthesised group, literal) ending {@code b} starts. */
    private static int primaryStart(StringBuilder b) {
        int i = b.length() - 1;
        while (i >= 0) {
            char c = b.charAt(i);
            if (c == ')' || c == ']' || c == '}') {
                int depth = 0;
                for (; i >= 0; i--) {
                    char d = b.charAt(i);
                    if (d == ')' || d == ']' || d == '}') depth++;
                    else if (d == '(' || d == '[' || d == '{') {
                        if (--depth == 0) break;
                    }
                }
                i--;
            } else if (c == '\'' || c == '"') {
                i--;
                while (i >= 0 && (b.charAt(i) != c || (i > 0 && b.charAt(i - 1) == '\\'))) i--;
                i--;
            } else if (Character.isJavaIdentifierPart(c) || c == '.') {
                i--;
            } else break;
        }
        return i + 1;
    }

    /** A call's argument list with each keyword argument's value parenthesised. */
    private static String arguments(String inner) {
        List<String> args = splitTop(inner, ',');
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < args.size(); k++) {
            if (k > 0) out.append(',');
            String a = args.get(k);
            int eq = keywordEquals(a);
            if (eq < 0) out.append(expression(a));
            else out.append(a, 0, eq + 1).append('(').append(expression(a.substring(eq + 1))).append(')');
        }
        return out.toString();
    }

    /** The index of the '=' of {@code name=value}, or -1 when the argument is positional. */
    private static int keywordEquals(String a) {
        int i = 0, n = a.length();
        while (i < n && Character.isWhitespace(a.charAt(i))) i++;
        if (i >= n || !Character.isJavaIdentifierStart(a.charAt(i))) return -1;
        while (i < n && Character.isJavaIdentifierPart(a.charAt(i))) i++;
        while (i < n && Character.isWhitespace(a.charAt(i))) i++;
        if (i >= n || a.charAt(i) != '=' || (i + 1 < n && a.charAt(i + 1) == '=')) return -1;
        return i;
    }
}
