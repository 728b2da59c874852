package dev.kiln.runtime.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer.json {@code post_processor}: adds the special tokens around one sequence (or a
 * pair) when special tokens are asked for. TemplateProcessing, BertProcessing,
 * RobertaProcessing, ByteLevel (ids unchanged) and Sequence are read; others are refused.
 */
interface PostProcessor {
    /** The ids of {@code a} (and {@code b}, null for a single sequence) with the special tokens. */
    int[] process(int[] a, int[] b);

    String SUPPORTED = "TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence";

    PostProcessor NONE = (a, b) -> b == null ? a : concat(a, b);

    static PostProcessor fromJson(Object json, String file, String key) {
        if (json == null) return NONE;
        JsonAt j = JsonAt.of(json, file, key);
        return switch (j.type()) {
            case "ByteLevel" -> NONE;
            case "TemplateProcessing" -> template(j);
            case "BertProcessing" -> {
                int cls = pairId(j, "cls"), sep = pairId(j, "sep");
                yield (a, b) -> b == null ? concat(new int[] {cls}, a, new int[] {sep})
                        : concat(new int[] {cls}, a, new int[] {sep}, b, new int[] {sep});
            }
            case "RobertaProcessing" -> {
                int cls = pairId(j, "cls"), sep = pairId(j, "sep");
                yield (a, b) -> b == null ? concat(new int[] {cls}, a, new int[] {sep})
                        : concat(new int[] {cls}, a, new int[] {sep, sep}, b, new int[] {sep});
            }
            case "Sequence" -> {
                List<JsonAt> steps = j.objects("processors");
                PostProcessor[] all = new PostProcessor[steps.size()];
                for (int i = 0; i < all.length; i++) all[i] = fromJson(steps.get(i).map(), file, steps.get(i).key());
                yield (a, b) -> {
                    int[] out = a;
                    int[] second = b;
                    for (PostProcessor p : all) {
                        out = p.process(out, second);
                        second = null;
                    }
                    return second == null ? out : concat(out, second);
                };
            }
            default -> throw j.unsupported("post_processor", SUPPORTED);
        };
    }

    /** BertProcessing's {@code ["[CLS]", 101]}. */
    private static int pairId(JsonAt j, String name) {
        List<?> l = j.list(name);
        if (l.size() != 2 || !(l.get(0) instanceof String)) throw j.error(name, "expected [\"token\", id], got " + HfJson.describe(l));
        return HfJson.integer(l.get(1), j.file(), j.key() + "." + name + "[1]");
    }

    private static PostProcessor template(JsonAt j) {
        Map<String, int[]> specials = new LinkedHashMap<>();
        if (j.has("special_tokens")) {
            JsonAt st = j.object("special_tokens");
            for (String name : st.map().keySet()) {
                JsonAt t = st.object(name);
                List<?> ids = t.list("ids");
                int[] v = new int[ids.size()];
                for (int i = 0; i < v.length; i++) v[i] = HfJson.integer(ids.get(i), j.file(), t.key() + ".ids[" + i + "]");
                specials.put(name, v);
            }
        }
        List<Object> single = items(j, "single", specials), pair = j.has("pair") ? items(j, "pair", specials) : null;
        return (a, b) -> {
            List<Object> tpl = b == null ? single : pair;
            if (tpl == null) return concat(single == null ? a : apply(single, a, null), b);
            return apply(tpl, a, b);
        };
    }

    /** A template as a list of int[] (special ids) and "A" / "B" (the sequences). */
    private static List<Object> items(JsonAt j, String name, Map<String, int[]> specials) {
        List<JsonAt> raw = j.objects(name);
        List<Object> out = new ArrayList<>();
        for (JsonAt item : raw) {
            if (item.has("SpecialToken")) {
                String id = item.object("SpecialToken").string("id");
                int[] ids = specials.get(id);
                if (ids == null) throw item.error("SpecialToken", "names '" + id + "', which special_tokens does not define");
                out.add(ids);
            } else if (item.has("Sequence")) {
                String id = item.object("Sequence").string("id");
                if (!id.equals("A") && !id.equals("B")) throw item.error("Sequence", "id is '" + id + "' (expected A or B)");
                out.add(id);
            } else {
                throw item.error("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
            }
        }
        return out;
    }

    private static int[] apply(List<Object> tpl, int[] a, int[] b) {
        IntList out = new IntList(a.length + (b == null ? 0 : b.length) + 4);
        for (Object o : tpl) {
            if (o instanceof int[] ids) out.addAll(ids);
            else if ("A".equals(o)) out.addAll(a);
            else if (b != null) out.addAll(b);
        }
        return out.toArray();
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
