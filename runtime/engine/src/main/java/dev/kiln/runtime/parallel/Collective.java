package dev.kiln.runtime.parallel;

/**
 * The one collective data-parallel training needs: every worker passes an array of the same length and
 * gets back the element-wise sum over all workers, identical bits on every worker.
 */
public interface Collective extends AutoCloseable {
    int rank();

    int world();

    /** In place: data[i] becomes the sum of data[i] over all workers. */
    void allReduceSum(float[] data);

    @Override
    default void close() {}
}
