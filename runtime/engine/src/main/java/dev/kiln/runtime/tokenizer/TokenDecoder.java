package dev.kiln.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tokenizer.json {@code decoder}: token strings → the strings whose concatenation is the text
 * (Hugging Face's {@code decode_chain}). ByteLevel, Metaspace, ByteFallback, Fuse, Strip,
 * Replace, WordPiece, BPEDecoder and Sequence are read; others are refused.
 */
@FunctionalInterface
interface TokenDecoder {
    List<String> decode(List<String> tokens);

    String SUPPORTED = "ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, WordPiece, BPEDecoder, Sequence";

    /** Without a decoder Hugging Face joins the tokens with spaces. */
    TokenDecoder NONE = tokens -> List.of(String.join(" ", tokens));

    static TokenDecoder fromJson(Object json, String file, String key) {
        if (json == null) return NONE;
        JsonAt j = JsonAt.of(json, file, key);
        return switch (j.type()) {
            case "ByteLevel" -> TokenDecoder::byteLevel;
            case "Metaspace" -> metaspace(j.character("replacement", "\u2581"), MetaspacePreTokenizer.prepend(j));
            case "ByteFallback" -> TokenDecoder::byteFallback;
            case "Fuse" -> tokens -> List.of(String.join("", tokens));
            case "Strip" -> strip(j.character("content", " ").codePointAt(0), j.integer("start"), j.integer("stop"));
            case "Replace" -> {
                String literal = j.object("pattern").string("String", null), content = j.string("content");
                if (literal != null && !literal.isEmpty()) yield tokens -> map(tokens, t -> t.replace(literal, content));
                Pattern p = OnigRegex.fromJson(j, "pattern");
                String replacement = Matcher.quoteReplacement(content);
                yield tokens -> map(tokens, t -> p.matcher(t).replaceAll(replacement));
            }
            case "WordPiece" -> wordPiece(j.string("prefix", "##"), j.bool("cleanup", true));
            case "BPEDecoder" -> {
                String suffix = j.string("suffix", "</w>");
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (int i = 0; i < tokens.size(); i++) out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
                    return out;
                };
            }
            case "Sequence" -> {
                List<JsonAt> steps = j.objects("decoders");
                TokenDecoder[] all = new TokenDecoder[steps.size()];
                for (int i = 0; i < all.length; i++) all[i] = fromJson(steps.get(i).map(), file, steps.get(i).key());
                yield tokens -> {
                    for (TokenDecoder d : all) tokens = d.decode(tokens);
                    return tokens;
                };
            }
            default -> throw j.unsupported("decoder", SUPPORTED);
        };
    }

    private static List<String> map(List<String> tokens, java.util.function.UnaryOperator<String> f) {
        List<String> out = new ArrayList<>(tokens.size());
        for (String t : tokens) out.add(f.apply(t));
        return out;
    }

    /** Byte-level characters back to bytes (a token with other characters as its own UTF-8), then UTF-8 with U+FFFD for bad bytes. */
    private static List<String> byteLevel(List<String> tokens) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (String t : tokens) {
            byte[] b = ByteLevel.decode(t);
            if (b == null) b = t.getBytes(StandardCharsets.UTF_8);
            bytes.write(b, 0, b.length);
        }
        byte[] all = bytes.toByteArray();
        StringBuilder text = new StringBuilder(all.length);
        ByteTokenizer.decodeUtf8(all, all.length, text);         // U+FFFD per maximal bad subsequence, as Rust's from_utf8_lossy
        return List.of(text.toString());
    }

    /** Every replacement character becomes a space, except that the first token's are dropped unless prepend_scheme is never. */
    private static TokenDecoder metaspace(String replacement, MetaspacePreTokenizer.Prepend prepend) {
        char r = replacement.charAt(0);
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                out.add(i == 0 && prepend != MetaspacePreTokenizer.Prepend.NEVER ? t.replace(replacement, "") : t.replace(r, ' '));
            }
            return out;
        };
    }

    /** Runs of {@code <0xNN>} tokens become the text of their bytes, or one U+FFFD per byte when not valid UTF-8. */
    private static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        java.io.ByteArrayOutputStream run = new java.io.ByteArrayOutputStream();
        for (String t : tokens) {
            int b = t.length() == 6 && t.startsWith("<0x") && t.endsWith(">") ? hexByte(t) : -1;
            if (b >= 0) {
                run.write(b);
                continue;
            }
            flushBytes(run, out);
            out.add(t);
        }
        flushBytes(run, out);
        return out;
    }

    private static int hexByte(String t) {
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static void flushBytes(java.io.ByteArrayOutputStream run, List<String> out) {
        if (run.size() == 0) return;
        byte[] b = run.toByteArray();
        run.reset();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            out.add("\uFFFD".repeat(b.length));
        }
    }

    private static TokenDecoder strip(int content, int start, int stop) {
        return tokens -> map(tokens, t -> {
            int[] cps = t.codePoints().toArray();
            int from = 0, to = cps.length;
            for (int i = 0; i < Math.min(start, cps.length) && cps[i] == content; i++) from = i + 1;
            for (int i = 0; i < Math.min(stop, cps.length) && cps[cps.length - 1 - i] == content; i++) to = cps.length - i - 1;
            return from >= to ? "" : new String(cps, from, to - from);
        });
    }

    private static TokenDecoder wordPiece(String prefix, boolean cleanup) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i > 0) t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
                out.add(cleanup ? WordPieceTokenizer.cleanup(t) : t);
            }
            return out;
        };
    }
}
