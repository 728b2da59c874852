package dev.kiln.api.io;

import java.util.Arrays;

/**
 * A named float tensor as the trainer hands it over (weights, optimizer moments): a shape and
 * row-major data whose length equals the product of the shape. The arrays are not copied.
 */
public record NamedTensor(String name, int[] shape, float[] data) {

    public NamedTensor {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("tensor name must not be empty");
        if (shape == null || data == null) throw new IllegalArgumentException("tensor '" + name + "': shape and data are required");
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor '" + name + "': negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has " + n
                    + " elements but data has " + data.length);
        }
    }

    /** A vector of {@code data.length} elements. */
    public static NamedTensor vector(String name, float[] data) {
        return new NamedTensor(name, new int[] {data.length}, data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedTensor t && name.equals(t.name) && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
