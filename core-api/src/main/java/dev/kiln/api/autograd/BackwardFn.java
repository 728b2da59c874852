package dev.kiln.api.autograd;

import dev.kiln.api.tensor.Storage;

/**
 * The backward side of one op: given the gradient of the op's output, accumulate the
 * gradients of its inputs (through {@code Tensor.gradForAccumulation()}).
 */
@FunctionalInterface
public interface BackwardFn {
    void backward(Storage gradOut);
}
