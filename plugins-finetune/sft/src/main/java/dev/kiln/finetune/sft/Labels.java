package dev.kiln.finetune.sft;

import dev.kiln.api.data.Example;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Label names ↔ class ids. With a fixed list (config {@code labels}) a name's id is its index and
 * an unknown name is an error. Without one, integer labels (0, 1, "2") are their own ids and
 * other names get ids in order of first appearance over the data this objective makes batches of,
 * dataset by dataset in the order their first batch meets a name without an id (in a pipeline
 * the validation split when it is evaluated before training, as before batches were lazy); more
 * names than {@code num_labels} is an error.
 *
 * <p>Batches are made lazily and in any order (a resumed run starts mid-epoch), so the first
 * appearance is not taken from the order batches happen to be made in: the first time a batch of
 * a dataset meets a name without an id, {@link #id(Example, String, List)} reads that dataset's
 * label field in file order, once (stopping as soon as all {@code num_labels} ids are taken), and
 * assigns ids as it goes. That pass holds nothing but the names, is done at most once per dataset
 * for the objective's life (never per epoch), and never with a fixed list or once every id is
 * taken.
 */
final class Labels {
    private final int numLabels;
    private final boolean fixed;
    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private final String[] names;
    /** Datasets (their example lists, by identity) whose labels were read in file order. */
    private final Set<List<Example>> read = Collections.newSetFromMap(new IdentityHashMap<>());

    Labels(int numLabels, List<String> fixedNames) {
        this.numLabels = numLabels;
        this.fixed = !fixedNames.isEmpty();
        this.names = new String[numLabels];
        for (int i = 0; i < fixedNames.size(); i++) {
            if (ids.put(fixedNames.get(i), i) != null) throw new IllegalArgumentException("duplicate label '" + fixedNames.get(i) + "'");
            names[i] = fixedNames.get(i);
        }
    }

    /**
     * The class id of the label field of {@code ex}, an example of {@code data}: when its name has
     * no id yet, {@code data}'s labels are first read in file order (once per dataset), so ids
     * follow first appearance in the data whatever order batches are made in.
     */
    synchronized int id(Example ex, String field, List<Example> data) {
        Integer id = ids.get(name(ex, field));
        if (id != null) return id;
        if (!fixed && read.add(data))
            for (Example e : data) {
                if (ids.size() == numLabels) break;          // every id taken: a new name can only be an error
                id(e, field);
            }
        return id(ex, field);
    }

    /** The class id of an example's label field; a name without one gets the next id now. */
    synchronized int id(Example ex, String field) {
        String name = name(ex, field);
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

    private static String name(Example ex, String field) {
        Object raw = ex.fields().get(field);
        if (raw == null) throw new IllegalArgumentException(ex.source() + ": missing field '" + field + "' (has: " + ex.fields().keySet() + ")");
        return raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? Long.toString(n.longValue()) : raw.toString().trim();
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
