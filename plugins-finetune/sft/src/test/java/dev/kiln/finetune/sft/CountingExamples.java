package dev.kiln.finetune.sft;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.objective.ObjectiveContract;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A dataset's examples as a list that counts {@link #get} calls (what a lazy corpus would read
 * from disk), and the helpers the lazy-batch tests share.
 */
final class CountingExamples extends AbstractList<Example> {
    private final List<Example> examples;
    private long reads;

    CountingExamples(List<Example> examples) { this.examples = examples; }

    /** The same examples under the same name, read through a counting list. */
    static Dataset wrap(Dataset data) { return new Dataset(data.name(), new CountingExamples(data.examples())); }

    static CountingExamples of(Dataset data) { return (CountingExamples) data.examples(); }

    @Override
    public Example get(int index) {
        reads++;
        return examples.get(index);
    }

    @Override
    public int size() { return examples.size(); }

    long reads() { return reads; }

    /** Every input of a batch as text: int inputs (keys, shapes, values), regression's float targets and the token count. */
    static String fingerprint(Batch b) {
        StringBuilder sb = new StringBuilder(ObjectiveContract.fingerprint(b));
        boolean regression = b.intsOrNull("targets") == null && b.intsOrNull("labels") == null;
        if (regression) sb.append("targets").append(Arrays.toString(b.floats("targets").data())).append(';');
        return sb.append("tokens=").append(b.tokens()).toString();
    }

    /** The epoch's batches as fingerprints, made in index order. */
    static List<String> fingerprints(Batches batches) {
        List<String> out = new ArrayList<>();
        for (Batch b : batches.toList()) out.add(fingerprint(b));
        return out;
    }
}
