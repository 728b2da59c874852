package dev.kiln.api.testing;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.tensor.IntTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Everything a batch holds as text, so tests can compare batches made apart: int and float inputs with shapes, parts, tokens. */
public final class BatchFingerprints {
    private BatchFingerprints() {}

    public static String of(Batch b) {
        StringBuilder sb = new StringBuilder();
        for (var e : b.intInputs().entrySet()) {
            IntTensor t = e.getValue();
            sb.append(e.getKey()).append(t.shape()).append(Arrays.toString(t.data())).append(';');
        }
        for (var e : b.floatInputs().entrySet())
            sb.append(e.getKey()).append(Arrays.toString(e.getValue().shape())).append(Arrays.toString(e.getValue().data())).append(';');
        for (var e : b.parts().entrySet()) sb.append(e.getKey()).append('{').append(of(e.getValue())).append('}');
        return sb.append("tokens=").append(b.tokens()).toString();
    }

    /** Every batch of the epoch, made in index order. */
    public static List<String> of(Batches batches) {
        List<String> out = new ArrayList<>();
        for (long i = 0; i < batches.size(); i++) out.add(of(batches.get(i)));
        return out;
    }
}
