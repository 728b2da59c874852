package dev.kiln.finetune.sft;

import dev.kiln.api.data.Example;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Label names ↔ class ids. With a fixed list (config {@code labels}) a name's id is its index and
 * an unknown name is an error. Without one, integer labels (0, 1, "2") are their own ids and
 * other names get ids in order of first appearance over the data this objective prepares (the
 * training split first, in a pipeline); more names than {@code num_labels} is an error.
 */
final class Labels {
    private final int numLabels;
    private final boolean fixed;
    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private final String[] names;

    Labels(int numLabels, List<String> fixedNames) {
        this.numLabels = numLabels;
        this.fixed = !fixedNames.isEmpty();
        this.names = new String[numLabels];
        for (int i = 0; i < fixedNames.size(); i++) {
            if (ids.put(fixedNames.get(i), i) != null) throw new IllegalArgumentException("duplicate label '" + fixedNames.get(i) + "'");
            names[i] = fixedNames.get(i);
        }
    }

    /** The class id of an example's label field. */
    synchronized int id(Example ex, String field) {
        Object raw = ex.fields().get(field);
        if (raw == null) throw new IllegalArgumentException(ex.source() + ": missing field '" + field + "' (has: " + ex.fields().keySet() + ")");
        String name = raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? Long.toString(n.longValue()) : raw.toString().trim();
        Integer id = ids.get(name);
        if (id != null) return id;
        if (fixed) throw new IllegalArgumentException(ex.source() + ": label '" + name + "' is not one of labels " + ids.keySet());
        if (name.matches("\\d{1,9}")) {
            int i = Integer.parseInt(name);
            if (i >= numLabels) throw new IllegalArgumentException(ex.source() + ": label " + i + " is not a class in [0, " + numLabels + ") (num_labels)");
            if (names[i] != null) throw new IllegalArgumentException(ex.source() + ": label " + i + " clashes with label '" + names[i] + "' mapped to id " + i);
            return assign(name, i);
        }
        for (int i = 0; i < numLabels; i++) if (names[i] == null) return assign(name, i);
        throw new IllegalArgumentException(ex.source() + ": label '" + name + "' would be label number " + (ids.size() + 1)
                + " but num_labels = " + numLabels + " (seen: " + ids.keySet() + "); raise num_labels or give labels: [..]");
    }

    private int assign(String name, int i) {
        ids.put(name, i);
        names[i] = name;
        return i;
    }

    /** Name of class i: its label, or the id itself while unseen. */
    synchronized String name(int i) { return names[i] != null ? names[i] : Integer.toString(i); }

    /** Names by id (unseen ids by number), for checkpoints and reports. */
    synchronized List<String> names() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < numLabels; i++) out.add(name(i));
        return Collections.unmodifiableList(out);
    }

    int size() { return numLabels; }
}
