package dev.kiln.runtime.tokenizer;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A tokenizer.json {@code pre_tokenizer}: splits a normalized piece of text into the pieces the
 * model sees, possibly rewriting them (ByteLevel maps bytes to characters, Metaspace spaces to ▁).
 * Pieces stream into a {@link Sink}; {@code atStart} says whether a piece begins the input text
 * (Metaspace's {@code prepend_scheme: first} needs it). Empty pieces are never emitted.
 */
interface PreTokenizer {
    interface Sink {
        void piece(String piece, boolean atStart);
    }

    void split(String s, boolean atStart, Sink out);

    String SUPPORTED = "ByteLevel, Split, Metaspace, Whitespace, WhitespaceSplit, BertPreTokenizer, Digits, "
            + "Punctuation, CharDelimiterSplit, Sequence";

    /** The pre-tokenizer a JSON object describes; null JSON means none (null result). */
    static PreTokenizer fromJson(Object json, String file, String key) {
        if (json == null) return null;
        JsonAt j = JsonAt.of(json, file, key);
        return switch (j.type()) {
            case "ByteLevel" -> new ByteLevelPreTokenizer(j.bool("add_prefix_space", true), j.bool("use_regex", true));
            case "Split" -> split(j);
            case "Metaspace" -> MetaspacePreTokenizer.fromJson(j);
            case "Whitespace" -> CharClassSplit.WHITESPACE;
            case "WhitespaceSplit" -> CharClassSplit.WHITESPACE_SPLIT;
            case "BertPreTokenizer" -> CharClassSplit.BERT;
            case "Digits" -> j.bool("individual_digits", false) ? CharClassSplit.DIGITS_INDIVIDUAL : CharClassSplit.DIGITS;
            case "Punctuation" -> CharClassSplit.punctuation(SplitBehavior.fromJson(j, "behavior", SplitBehavior.ISOLATED));
            case "CharDelimiterSplit" -> CharClassSplit.delimiter(j.character("delimiter", null).codePointAt(0));
            case "Sequence" -> {
                List<JsonAt> steps = j.objects("pretokenizers");
                PreTokenizer[] all = new PreTokenizer[steps.size()];
                for (int i = 0; i < all.length; i++) all[i] = fromJson(steps.get(i).map(), file, steps.get(i).key());
                yield sequence(all);
            }
            default -> throw j.unsupported("pre_tokenizer", SUPPORTED);
        };
    }

    private static PreTokenizer split(JsonAt j) {
        Pattern p = OnigRegex.fromJson(j, "pattern");
        SplitBehavior behavior = SplitBehavior.fromJson(j, "behavior", SplitBehavior.ISOLATED);
        boolean invert = j.bool("invert", false);
        if (!invert && behavior == SplitBehavior.ISOLATED && j.object("pattern").has("Regex")) {    // hand-written scanners
            if (GptRegexPreTokenizer.isGpt2(j)) return GptRegexPreTokenizer.INSTANCE;
            Llama3Scanner scanner = Llama3Scanner.forRegex(j.object("pattern").string("Regex"));
            if (scanner != null) return scanner;
        }
        return (s, atStart, out) -> {
            SplitBehavior.Spans spans = SplitBehavior.Spans.ofRegex(s, p);
            if (invert) spans.invert();
            behavior.emit(s, spans, atStart, out);
        };
    }

    /** Each step splits every piece of the step before. */
    static PreTokenizer sequence(PreTokenizer[] steps) {
        if (steps.length == 0) return (s, atStart, out) -> { if (!s.isEmpty()) out.piece(s, atStart); };
        PreTokenizer chain = steps[steps.length - 1];
        for (int i = steps.length - 2; i >= 0; i--) {
            PreTokenizer first = steps[i], rest = chain;
            chain = (s, atStart, out) -> first.split(s, atStart, (p, a) -> rest.split(p, a, out));
        }
        return chain;
    }
}
