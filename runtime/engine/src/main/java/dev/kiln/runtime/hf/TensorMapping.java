package dev.kiln.runtime.hf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How one Kiln tensor is stored in a Hugging Face checkpoint: a copy of one tensor, the transpose
 * of one 2-D tensor (GPT-2's {@code Conv1D} stores [in, out]), or several tensors stacked along the
 * first axis (q, k, v projections fused into Kiln's {@code attn.qkv}). Converts both ways.
 *
 * @param target       Kiln name: a backbone parameter or an extra (head) tensor
 * @param kind         the conversion
 * @param sources      Hugging Face names, in stacking order
 * @param sourceShapes the shape each source must have
 * @param group        null for the backbone; else the optional part it belongs to (e.g. "pooler")
 */
public record TensorMapping(String target, Kind kind, List<String> sources, List<int[]> sourceShapes, String group) {

    public enum Kind { COPY, TRANSPOSE, ROWS }

    public TensorMapping {
        if (sources.size() != sourceShapes.size() || sources.isEmpty())
            throw new IllegalArgumentException(target + ": one shape per source needed");
        if (kind != Kind.ROWS && sources.size() != 1) throw new IllegalArgumentException(target + ": " + kind + " takes one source");
        if (kind == Kind.TRANSPOSE && sourceShapes.get(0).length != 2) throw new IllegalArgumentException(target + ": transpose needs 2-D");
        sources = List.copyOf(sources);
        sourceShapes = List.copyOf(sourceShapes);
    }

    public static TensorMapping copy(String target, String source, int... shape) {
        return new TensorMapping(target, Kind.COPY, List.of(source), List.of(shape), null);
    }

    /** Hugging Face holds [a, b], Kiln [b, a]. */
    public static TensorMapping transpose(String target, String source, int a, int b) {
        return new TensorMapping(target, Kind.TRANSPOSE, List.of(source), List.of(new int[] {a, b}), null);
    }

    /** Kiln's tensor is the sources stacked along axis 0. */
    public static TensorMapping rows(String target, List<String> sources, List<int[]> shapes) {
        return new TensorMapping(target, Kind.ROWS, sources, shapes, null);
    }

    public TensorMapping inGroup(String g) {
        return new TensorMapping(target, kind, sources, sourceShapes, g);
    }

    /** The Kiln tensor's shape. */
    public int[] targetShape() {
        int[] first = sourceShapes.get(0);
        return switch (kind) {
            case COPY -> first.clone();
            case TRANSPOSE -> new int[] {first[1], first[0]};
            case ROWS -> {
                int[] s = first.clone();
                for (int i = 1; i < sourceShapes.size(); i++) s[0] += sourceShapes.get(i)[0];
                yield s;
            }
        };
    }

    /** Hugging Face tensors (in {@link #sources} order) → the Kiln tensor's data. */
    public float[] toKiln(List<float[]> parts) {
        return switch (kind) {
            case COPY -> parts.get(0).clone();
            case TRANSPOSE -> transposed(parts.get(0), sourceShapes.get(0)[0], sourceShapes.get(0)[1]);
            case ROWS -> {
                int n = 0;
                for (float[] p : parts) n += p.length;
                float[] out = new float[n];
                int at = 0;
                for (float[] p : parts) {
                    System.arraycopy(p, 0, out, at, p.length);
                    at += p.length;
                }
                yield out;
            }
        };
    }

    /** The Kiln tensor's data → Hugging Face tensors, in {@link #sources} order. */
    public List<float[]> toHf(float[] kiln) {
        int[] t = targetShape();
        return switch (kind) {
            case COPY -> List.of(kiln.clone());
            case TRANSPOSE -> List.of(transposed(kiln, t[0], t[1]));
            case ROWS -> {
                List<float[]> out = new ArrayList<>();
                int at = 0;
                for (int[] s : sourceShapes) {
                    int n = numel(s);
                    out.add(Arrays.copyOfRange(kiln, at, at + n));
                    at += n;
                }
                yield out;
            }
        };
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** x: [rows, cols] → [cols, rows] */
    private static float[] transposed(float[] x, int rows, int cols) {
        float[] y = new float[x.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) y[c * rows + r] = x[r * cols + c];
        return y;
    }
}
