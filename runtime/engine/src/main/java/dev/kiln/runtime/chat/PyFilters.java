package dev.kiln.runtime.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.filter.LengthFilter;
import com.hubspot.jinjava.objects.SafeString;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The filters whose Jinjava versions differ from what chat templates get under transformers:
 * {@code tojson} (transformers' own: Python's json.dumps with ensure_ascii=False, {@link PyJson}),
 * {@code trim} (Python's {@code str.strip}, which also strips non-ASCII whitespace) and
 * {@code pystr}, Python's {@code str()} that every printed expression goes through ({@link PyRepr}), and
 * {@code length} / {@code count} (a string's length in code points, as Python counts), and
 * {@code pyslice}, Python's {@code x[start:stop:step]}, which {@link JinjaRewriter} writes slices as.
 */
final class PyFilters {
    private PyFilters() {}

    static List<Filter> all() {
        return List.of(new ToJson(), new Trim(), new Slice(), new Str(), new Length("length"), new Length("count"));
    }

    /** {@code tojson(indent=None, separators=None, sort_keys=False, ensure_ascii=False)}. */
    static final class ToJson implements Filter {
        @Override
        public String getName() { return "tojson"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : (args.length > 0 ? args[0] : null);
            String unit = null;
            if (indent instanceof Number n) unit = " ".repeat(Math.max(0, n.intValue()));
            else if (indent instanceof String s) unit = s;
            String items = null, keys = null;
            if (kwargs.get("separators") instanceof List<?> seps && seps.size() == 2) {
                items = String.valueOf(seps.get(0));
                keys = String.valueOf(seps.get(1));
            }
            boolean sort = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            return PyJson.dumps(var, unit, items, keys, sort);
        }
    }

    /** {@code trim(chars=None)}: Python's {@code str.strip}. */
    static final class Trim implements Filter {
        @Override
        public String getName() { return "trim"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            String chars = args.length > 0 ? args[0] : null;
            return PyStrings.strip(PyRepr.str(var), chars, true, true);                  // Jinja2 trims str(value)
        }
    }

    /** {@code pyslice(start, stop, step)}: a list or string sliced as Python does (bounds clamped, negatives from the end). */
    static final class Slice implements Filter {
        @Override
        public String getName() { return "pyslice"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (var == null) return null;
            Integer start = index(args, 0), stop = index(args, 1), step = index(args, 2);
            if (var instanceof CharSequence || var instanceof SafeString) {
                int[] cps = var.toString().codePoints().toArray();       // Python indexes code points
                StringBuilder b = new StringBuilder();
                for (int i : picks(cps.length, start, stop, step)) b.appendCodePoint(cps[i]);
                return b.toString();
            }
            List<?> list = var instanceof List<?> l ? l : var instanceof Collection<?> c ? new ArrayList<>(c)
                    : var instanceof Object[] a ? Arrays.asList(a) : null;
            if (list == null) throw new IllegalArgumentException("cannot slice a " + var.getClass().getSimpleName());
            List<Object> out = new ArrayList<>();
            for (int i : picks(list.size(), start, stop, step)) out.add(list.get(i));
            return out;
        }

        private static Integer index(Object[] args, int i) {
            if (i >= args.length || args[i] == null) return null;
            if (args[i] instanceof Number n) return n.intValue();
            String s = args[i].toString().strip();
            return s.isEmpty() || s.equalsIgnoreCase("none") ? null : Integer.valueOf(s);
        }

        /** The indices Python's {@code range(len)[start:stop:step]} selects. */
        static List<Integer> picks(int len, Integer start, Integer stop, Integer step) {
            int st = step == null ? 1 : step;
            if (st == 0) throw new IllegalArgumentException("slice step cannot be zero");
            int lo, hi;
            if (st > 0) {
                lo = start == null ? 0 : clamp(start < 0 ? start + len : start, 0, len);
                hi = stop == null ? len : clamp(stop < 0 ? stop + len : stop, 0, len);
            } else {
                lo = start == null ? len - 1 : clamp(start < 0 ? start + len : start, -1, len - 1);
                hi = stop == null ? -1 : clamp(stop < 0 ? stop + len : stop, -1, len - 1);
            }
            List<Integer> out = new ArrayList<>();
            if (st > 0) for (int i = lo; i < hi; i += st) out.add(i);
            else for (int i = lo; i > hi; i += st) out.add(i);
            return out;
        }

        private static int clamp(int v, int lo, int hi) {
            return Math.max(lo, Math.min(hi, v));
        }
    }

    /** {@code pystr}: what Jinja2 prints for a value ({@link PyRepr#str}). */
    static final class Str implements Filter {
        @Override
        public String getName() { return "pystr"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PyRepr.str(var);
        }
    }

    /** {@code length} and its alias {@code count}: a string's code points (Python's len), otherwise Jinjava's. */
    static final class Length implements Filter {
        private final String name;
        private final LengthFilter jinjava = new LengthFilter();

        Length(String name) { this.name = name; }

        @Override
        public String getName() { return name; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var instanceof CharSequence || var instanceof SafeString) return (long) var.toString().codePointCount(0, var.toString().length());
            return jinjava.filter(var, interpreter, args);
        }
    }
}
