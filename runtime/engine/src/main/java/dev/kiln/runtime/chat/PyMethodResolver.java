package dev.kiln.runtime.chat;

import com.hubspot.jinjava.objects.SafeString;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves method calls that Jinja2 templates make on Python objects and Jinjava does not know:
 * {@code str} methods (strip, lstrip, rstrip, startswith, endswith, split, rsplit, splitlines,
 * upper, lower, title, capitalize, replace, find, rfind, count, join, isdigit, isalpha, isalnum,
 * isspace, isupper, islower) and the {@code dict} methods items, keys, values and get. Every other
 * call goes on to Jinjava's own resolvers.
 */
final class PyMethodResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null) return null;
        String name = method.toString();
        Object[] args = params == null ? new Object[0] : params;
        Object result;
        if (base instanceof String || base instanceof SafeString) result = string(base.toString(), name, args);
        else if (base instanceof Map<?, ?> map) result = dict(map, name, args);
        else return null;
        if (result == NONE) return null;
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NONE = new Object();

    private static Object string(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> PyStrings.strip(s, str(a, 0), true, true);
            case "lstrip" -> PyStrings.strip(s, str(a, 0), true, false);
            case "rstrip" -> PyStrings.strip(s, str(a, 0), false, true);
            case "startswith" -> affix(s, arg(a, 0), true);
            case "endswith" -> affix(s, arg(a, 0), false);
            case "split" -> PyStrings.split(s, str(a, 0), integer(a, 1, -1));
            case "rsplit" -> PyStrings.rsplit(s, str(a, 0), integer(a, 1, -1));
            case "splitlines" -> PyStrings.splitlines(s);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> PyStrings.title(s);
            case "capitalize" -> PyStrings.capitalize(s);
            case "replace" -> PyStrings.replace(s, str(a, 0), str(a, 1), integer(a, 2, -1));
            case "find" -> (long) s.indexOf(str(a, 0));
            case "rfind" -> (long) s.lastIndexOf(str(a, 0));
            case "count" -> (long) PyStrings.count(s, str(a, 0));
            case "join" -> join(s, arg(a, 0));
            case "isdigit" -> PyStrings.all(s, Character::isDigit);
            case "isalpha" -> PyStrings.all(s, Character::isLetter);
            case "isalnum" -> PyStrings.all(s, Character::isLetterOrDigit);
            case "isspace" -> PyStrings.all(s, PyStrings::isSpace);
            case "isupper" -> !s.equals(s.toLowerCase(Locale.ROOT)) && s.equals(s.toUpperCase(Locale.ROOT));
            case "islower" -> !s.equals(s.toUpperCase(Locale.ROOT)) && s.equals(s.toLowerCase(Locale.ROOT));
            default -> NONE;
        };
    }

    private static Object dict(Map<?, ?> map, String name, Object[] a) {
        return switch (name) {
            case "items" -> {
                List<Object> out = new ArrayList<>(map.size());
                for (Map.Entry<?, ?> e : map.entrySet()) out.add(new ArrayList<>(java.util.Arrays.asList(e.getKey(), e.getValue())));
                yield out;
            }
            case "keys" -> new ArrayList<>(map.keySet());
            case "values" -> new ArrayList<>(map.values());
            case "get" -> map.containsKey(arg(a, 0)) ? map.get(arg(a, 0)) : (a.length > 1 ? a[1] : null);
            default -> NONE;
        };
    }

    private static boolean affix(String s, Object what, boolean start) {
        if (what instanceof Collection<?> options) {
            for (Object o : options) if (affix(s, o, start)) return true;
            return false;
        }
        String t = String.valueOf(what);
        return start ? s.startsWith(t) : s.endsWith(t);
    }

    private static String join(String sep, Object items) {
        StringBuilder b = new StringBuilder();
        if (items instanceof Iterable<?> it) {
            boolean first = true;
            for (Object o : it) {
                if (!first) b.append(sep);
                b.append(o);
                first = false;
            }
            return b.toString();
        }
        String s = String.valueOf(items);
        for (int i = 0; i < s.length(); i++) {
            if (i > 0) b.append(sep);
            b.append(s.charAt(i));
        }
        return b.toString();
    }

    private static Object arg(Object[] a, int i) {
        return i < a.length ? a[i] : null;
    }

    private static String str(Object[] a, int i) {
        Object v = arg(a, i);
        return v == null ? null : v.toString();
    }

    private static int integer(Object[] a, int i, int dflt) {
        Object v = arg(a, i);
        return v instanceof Number n ? n.intValue() : dflt;
    }

    /**
     * {@code text[i]}: one character, negative indices from the end (Jinjava indexes lists only, and
     * hands an integer subscript of anything else over as a string).
     */
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (!(base instanceof String || base instanceof SafeString) || property == null) return null;
        String key = property.toString();
        if (!(property instanceof Number) && !key.matches("-?\\d{1,9}")) return null;
        int[] s = base.toString().codePoints().toArray();           // Python indexes code points
        int n = Integer.parseInt(key);
        int i = n < 0 ? n + s.length : n;
        context.setPropertyResolved(true);
        return i >= 0 && i < s.length ? new String(s, i, 1) : null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) { return null; }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) { return true; }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) { return null; }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) { return null; }
}
