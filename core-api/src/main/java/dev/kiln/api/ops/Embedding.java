package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/** Embedding lookup (gather) with a scatter-add backward. */
public final class Embedding {
    private Embedding() {}

    /** table: [V, C], ids: [...] → [..., C] */
    public static Tensor lookup(Tensor table, IntTensor ids) {
        if (table.rank() != 2) throw new IllegalArgumentException("embedding table must be [V, C], got " + table.shape());
        int vocab = table.dim(0), dim = table.dim(1);
        int[] idx = ids.data();
        for (int i = 0; i < idx.length; i++)
            if (idx[i] < 0 || idx[i] >= vocab)
                throw new IllegalArgumentException("token id " + idx[i] + " at position " + i + " is outside the table of " + vocab + " rows");
        int[] idDims = ids.shape().dims(), outDims = java.util.Arrays.copyOf(idDims, idDims.length + 1);
        outDims[idDims.length] = dim;
        Backend be = table.backend();
        Storage out = be.allocateUninitialized(idx.length * dim);
        be.embedding(table.storage(), idx, out, dim);
        return Tensor.result("embedding", out, Shape.of(outDims),
                g -> be.embeddingBackward(g, idx, table.gradForAccumulation(), dim), table);
    }
}
