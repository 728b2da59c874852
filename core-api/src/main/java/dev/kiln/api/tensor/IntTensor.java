package dev.kiln.api.tensor;

import java.util.Arrays;

/** Integer tensor on the host (token ids, labels, masks). Never differentiable. */
public final class IntTensor {
    private final Shape shape;
    private final int[] data;

    public IntTensor(int[] data, int... dims) {
        this.shape = Shape.of(dims);
        if (shape.size() != data.length)
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " ints, got " + data.length);
        this.data = data;
    }

    public Shape shape() { return shape; }

    public int dim(int i) { return shape.dim(i); }

    public int size() { return data.length; }

    /** The backing array (not a copy). */
    public int[] data() { return data; }

    public int get(int i) { return data[i]; }

    public int get(int row, int col) { return data[row * shape.dim(-1) + col]; }

    @Override
    public String toString() {
        return "IntTensor" + shape + (data.length <= 16 ? Arrays.toString(data) : "");
    }
}
