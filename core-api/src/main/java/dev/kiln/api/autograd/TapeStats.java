package dev.kiln.api.autograd;

import dev.kiln.api.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * What a recorded graph keeps alive until its backward pass: the intermediate (non-leaf) tensors
 * reachable from a root through the tape. Parameters and inputs (leaves) are not counted; values an
 * op's backward captures besides its inputs (a softmax's output, a dropout mask) are not either, so
 * this is a lower bound and a like-for-like measure between two graphs of the same model.
 */
public record TapeStats(int tensors, long bytes) {

    public static TapeStats of(Tensor root) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Tensor> todo = new ArrayDeque<>();
        todo.push(root);
        seen.add(root);
        int count = 0;
        long bytes = 0;
        while (!todo.isEmpty()) {
            Tensor t = todo.pop();
            if (t.isLeaf()) continue;
            count++;
            bytes += 4L * t.size();
            for (Tensor in : t.tapeInputs()) if (seen.add(in)) todo.push(in);
        }
        return new TapeStats(count, bytes);
    }
}
