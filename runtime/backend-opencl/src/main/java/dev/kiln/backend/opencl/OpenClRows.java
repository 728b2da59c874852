package dev.kiln.backend.opencl;

import dev.kiln.api.tensor.Storage;
import dev.kiln.backend.opencl.kernel.Kernels;
import dev.kiln.backend.opencl.kernel.Op;

import java.util.Arrays;

import static dev.kiln.backend.opencl.OpenClBackend.check;

/**
 * Host side of the row kernels (softmax, norms, cross-entropy: one work-group of {@link Kernels#ROW_GROUP}
 * per row) and embeddings; calls arrive serialized.
 */
final class OpenClRows {
    private final Launcher dev;

    OpenClRows(Launcher dev) { this.dev = dev; }

    private void rowsLaunch(Op op, int rows, int cols) {
        dev.k.i0 = rows;
        if (cols > 0) dev.runGroups(op, rows, Kernels.ROW_GROUP);
    }

    /** Norms run even on empty rows: their statistics are then NaN, as in the reference. */
    private void normLaunch(Op op, int rows) {
        dev.k.i0 = rows;
        dev.runGroups(op, rows, Kernels.ROW_GROUP);
    }

    // x, y: [rows, cols]
    void softmax(Storage x, Storage y, int rows, int cols, boolean log) {
        check(y, (long) rows * cols, "softmax y");
        dev.k.o0 = dev.off(x);
        dev.k.o1 = dev.off(y);
        dev.k.i1 = cols;
        dev.k.i2 = log ? 1 : 0;
        rowsLaunch(Op.SOFTMAX, rows, cols);
    }

    // y, gy, gx: [rows, cols]
    void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log) {
        check(gx, (long) rows * cols, "softmaxBackward gx");
        dev.k.o0 = dev.off(y);
        dev.k.o1 = dev.off(gy);
        dev.k.o2 = dev.off(gx);
        dev.k.i1 = cols;
        dev.k.i2 = log ? 1 : 0;
        rowsLaunch(Op.SOFTMAX_BACKWARD, rows, cols);
    }

    // x, y: [rows, cols]; gamma, beta: [cols]; mean, rstd: [rows]
    void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd, int rows, int cols, float eps) {
        check(y, (long) rows * cols, "layerNorm y");
        check(rstd, rows, "layerNorm rstd");
        dev.k.o0 = dev.off(x);
        dev.k.o1 = dev.off(gamma);
        dev.k.o2 = beta == null ? 0 : dev.off(beta);
        dev.k.o3 = dev.off(y);
        dev.k.o4 = dev.off(mean);
        dev.k.o5 = dev.off(rstd);
        dev.k.i1 = cols;
        dev.k.i2 = beta == null ? 0 : 1;
        dev.k.f0 = eps;
        normLaunch(Op.LAYER_NORM, rows);
    }

    // x, gy, gx: [rows, cols]; gamma, gGamma, gBeta: [cols]; mean, rstd: [rows]
    void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy,
                           Storage gx, Storage gGamma, Storage gBeta, int rows, int cols) {
        check(gx, (long) rows * cols, "layerNormBackward gx");
        dev.k.o0 = dev.off(x);
        dev.k.o1 = dev.off(gamma);
        dev.k.o2 = dev.off(mean);
        dev.k.o3 = dev.off(rstd);
        dev.k.o4 = dev.off(gy);
        dev.k.o5 = dev.off(gx);
        dev.k.i1 = cols;
        rowsLaunch(Op.LAYER_NORM_BACKWARD, rows, cols);
        paramGrads(x, mean, rstd, gy, gGamma, gBeta, rows, cols, false);
    }

    private void paramGrads(Storage x, Storage mean, Storage rstd, Storage gy, Storage gGamma, Storage gBeta,
                            int rows, int cols, boolean rms) {
        if (gGamma == null && gBeta == null) return;
        dev.k.o0 = dev.off(x);
        dev.k.o2 = mean == null ? 0 : dev.off(mean);
        dev.k.o3 = dev.off(rstd);
        dev.k.o4 = dev.off(gy);
        dev.k.o5 = gGamma == null ? 0 : dev.off(gGamma);
        dev.k.o6 = gBeta == null ? 0 : dev.off(gBeta);
        dev.k.i0 = rows;
        dev.k.i1 = cols;
        dev.k.i3 = rms ? 1 : 0;
        dev.k.i4 = gGamma == null ? 0 : 1;
        dev.k.i5 = gBeta == null ? 0 : 1;
        dev.runColumns(Op.NORM_PARAM_GRADS, cols);
    }

    // x, y: [rows, cols]; gamma: [cols]; rstd: [rows]
    void rmsNorm(Storage x, Storage gamma, Storage y, Storage rstd, int rows, int cols, float eps) {
        check(y, (long) rows * cols, "rmsNorm y");
        check(rstd, rows, "rmsNorm rstd");
        dev.k.o0 = dev.off(x);
        dev.k.o1 = dev.off(gamma);
        dev.k.o2 = dev.off(y);
        dev.k.o3 = dev.off(rstd);
        dev.k.i1 = cols;
        dev.k.f0 = eps;
        normLaunch(Op.RMS_NORM, rows);
    }

    // x, gy, gx: [rows, cols]; gamma, gGamma: [cols]; rstd: [rows]
    void rmsNormBackward(Storage x, Storage gamma, Storage rstd, Storage gy, Storage gx, Storage gGamma, int rows, int cols) {
        check(gx, (long) rows * cols, "rmsNormBackward gx");
        dev.k.o0 = dev.off(x);
        dev.k.o1 = dev.off(gamma);
        dev.k.o2 = dev.off(rstd);
        dev.k.o3 = dev.off(gy);
        dev.k.o4 = dev.off(gx);
        dev.k.i1 = cols;
        rowsLaunch(Op.RMS_NORM_BACKWARD, rows, cols);
        paramGrads(x, null, rstd, gy, gGamma, null, rows, cols, true);
    }

    // logits, logProbs: [rows, classes]; targets, losses: [rows]
    void crossEntropy(Storage logits, int[] targets, Storage losses, Storage logProbs,
                      int rows, int classes, int ignoreIndex, float labelSmoothing) {
        checkTargets(targets, rows, classes, ignoreIndex);
        check(logProbs, (long) rows * classes, "crossEntropy logProbs");
        check(losses, rows, "crossEntropy losses");
        if (classes == 0) return;
        dev.ints(targets, rows);
        dev.k.o0 = dev.off(logits);
        dev.k.o1 = dev.off(losses);
        dev.k.o2 = dev.off(logProbs);
        dev.k.i1 = classes;
        dev.k.i2 = ignoreIndex;
        dev.k.f0 = labelSmoothing;
        rowsLaunch(Op.CROSS_ENTROPY, rows, classes);
    }

    // logProbs, gLogits: [rows, classes]; targets, gLoss: [rows]
    void crossEntropyBackward(Storage logProbs, int[] targets, Storage gLoss, Storage gLogits,
                              int rows, int classes, int ignoreIndex, float labelSmoothing) {
        checkTargets(targets, rows, classes, ignoreIndex);
        check(gLogits, (long) rows * classes, "crossEntropyBackward gLogits");
        if (rows == 0 || classes == 0) return;
        dev.ints(targets, rows);
        dev.k.o0 = dev.off(logProbs);
        dev.k.o1 = dev.off(gLoss);
        dev.k.o2 = dev.off(gLogits);
        dev.k.i0 = rows * classes;
        dev.k.i1 = classes;
        dev.k.i2 = ignoreIndex;
        dev.k.f0 = labelSmoothing;
        dev.k.f1 = labelSmoothing / classes;
        dev.run1D(Op.CROSS_ENTROPY_BACKWARD, rows * classes);
    }

    private static void checkTargets(int[] targets, int rows, int classes, int ignoreIndex) {
        if (targets.length < rows) throw new IllegalArgumentException(rows + " rows but " + targets.length + " targets");
        for (int r = 0; r < rows; r++) {
            int t = targets[r];
            if (t != ignoreIndex && (t < 0 || t >= classes))
                throw new IndexOutOfBoundsException("target " + t + " outside [0, " + classes + ")");
        }
    }

    private static void checkIds(int[] ids, int tableSize, int dim) {
        for (int id : ids) {
            if (id < 0 || (long) (id + 1) * dim > tableSize)
                throw new IndexOutOfBoundsException("id " + id + " outside an embedding table of "
                        + (tableSize / Math.max(dim, 1)) + " rows");
        }
    }

    // table: [rows, dim]; ids: [n]; out: [n, dim]
    void embedding(Storage table, int[] ids, Storage out, int dim) {
        checkIds(ids, table.size(), dim);
        check(out, (long) ids.length * dim, "embedding out");
        if (ids.length == 0 || dim == 0) return;
        dev.ints(ids, ids.length);
        dev.k.o0 = dev.off(table);
        dev.k.o1 = dev.off(out);
        dev.k.i0 = ids.length * dim;
        dev.k.i1 = dim;
        dev.run1D(Op.EMBEDDING, ids.length * dim);
    }

    // gOut: [n, dim]; ids: [n]; gTable: [rows, dim]. Repeated ids are grouped on the host (CSR:
    // unique rows, offsets, positions) so each table row is summed by one work item per column.
    void embeddingBackward(Storage gOut, int[] ids, Storage gTable, int dim) {
        checkIds(ids, gTable.size(), dim);
        check(gOut, (long) ids.length * dim, "embeddingBackward gOut");
        int n = ids.length;
        if (n == 0 || dim == 0) return;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> ids[x] != ids[y] ? Integer.compare(ids[x], ids[y]) : Integer.compare(x, y));
        int unique = 0;
        for (int i = 0; i < n; i++) if (i == 0 || ids[order[i]] != ids[order[i - 1]]) unique++;
        int[] csr = new int[2 * unique + 1 + n];
        int u = -1;
        for (int i = 0; i < n; i++) {
            if (i == 0 || ids[order[i]] != ids[order[i - 1]]) {
                u++;
                csr[u] = ids[order[i]];
                csr[unique + u] = i;
            }
            csr[2 * unique + 1 + i] = order[i];
        }
        csr[2 * unique] = n;
        dev.ints(csr, csr.length);
        dev.k.o0 = dev.off(gOut);
        dev.k.o1 = dev.off(gTable);
        dev.k.i0 = unique * dim;
        dev.k.i1 = dim;
        dev.k.i2 = unique;
        dev.run1D(Op.EMBEDDING_BACKWARD, unique * dim);
    }
}
