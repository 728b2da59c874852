package dev.kiln.api.tensor;

import dev.kiln.api.autograd.BackwardFn;
import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A contiguous float tensor on one {@link Backend}, with reverse-mode autograd: an op that has
 * an input requiring gradients records its inputs and {@link BackwardFn} on the result, and
 * {@link #backward()} replays that tape in reverse topological order. Ops live in
 * {@code dev.kiln.api.ops}, each with its forward and backward side by side.
 */
public final class Tensor {
    private final Shape shape;
    private final Storage storage;
    private final Backend backend;
    private boolean requiresGrad;
    private Storage grad;
    private Tensor[] inputs;
    private BackwardFn backwardFn;
    private String opName;
    private boolean released;
    private Consumer<Tensor> gradReadyHook;

    private Tensor(Backend backend, Storage storage, Shape shape) {
        if (storage.size() < shape.size())
            throw new IllegalArgumentException("storage of " + storage.size() + " floats cannot hold shape " + shape);
        this.backend = backend;
        this.storage = storage;
        this.shape = shape;
    }

    // ---- creation -----------------------------------------------------------------------------

    /** Wraps existing storage (no copy). */
    public static Tensor wrap(Backend backend, Storage storage, int... dims) {
        return new Tensor(backend, storage, Shape.of(dims));
    }

    public static Tensor wrap(Backend backend, Storage storage, Shape shape) {
        return new Tensor(backend, storage, shape);
    }

    public static Tensor zeros(Backend backend, int... dims) {
        Shape s = Shape.of(dims);
        return new Tensor(backend, backend.allocate(s.size()), s);
    }

    public static Tensor full(Backend backend, float value, int... dims) {
        Tensor t = zeros(backend, dims);
        backend.fill(t.storage, 0, t.size(), value);
        return t;
    }

    /** Copies {@code data} to the backend. */
    public static Tensor of(Backend backend, float[] data, int... dims) {
        Shape s = Shape.of(dims);
        if (s.size() != data.length)
            throw new IllegalArgumentException("shape " + s + " needs " + s.size() + " floats, got " + data.length);
        return new Tensor(backend, backend.upload(data), s);
    }

    public static Tensor scalar(Backend backend, float value) {
        return of(backend, new float[] {value});
    }

    /**
     * The result of an op: records the tape when grad mode is on and an input requires
     * gradients; otherwise a plain tensor and {@code backward} is dropped.
     */
    public static Tensor result(String opName, Storage storage, Shape shape, BackwardFn backward, Tensor... inputs) {
        Tensor out = new Tensor(inputs[0].backend, storage, shape);
        if (GradMode.isEnabled() && backward != null) {
            for (Tensor in : inputs) {
                if (in != null && in.requiresGrad) {
                    out.requiresGrad = true;
                    out.inputs = inputs;
                    out.backwardFn = backward;
                    out.opName = opName;
                    break;
                }
            }
        }
        return out;
    }

    // ---- metadata -----------------------------------------------------------------------------

    public Shape shape() { return shape; }

    public int[] dims() { return shape.dims(); }

    public int dim(int i) { return shape.dim(i); }

    public int rank() { return shape.rank(); }

    public int size() { return shape.size(); }

    public Storage storage() { return storage; }

    public Backend backend() { return backend; }

    /** The op that produced this tensor, or null for a leaf. */
    public String opName() { return opName; }

    public boolean isLeaf() { return backwardFn == null; }

    /** The tensors this op's result was computed from (empty for a leaf or a released node): what the tape keeps alive. */
    public List<Tensor> tapeInputs() {
        if (inputs == null) return List.of();
        List<Tensor> out = new ArrayList<>(inputs.length);
        for (Tensor t : inputs) if (t != null) out.add(t);
        return out;
    }

    // ---- data ---------------------------------------------------------------------------------

    /** A host copy of the values. */
    public float[] toArray() {
        float[] all = backend.download(storage);
        return all.length == shape.size() ? all : Arrays.copyOf(all, shape.size());
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (shape.size() != 1) throw new IllegalStateException("item() needs one element, shape is " + shape);
        return toArray()[0];
    }

    /** Overwrites the values in place (e.g. loading a checkpoint); not recorded on the tape. */
    public void copyFrom(float[] data) {
        if (data.length != size())
            throw new IllegalArgumentException("shape " + shape + " needs " + size() + " floats, got " + data.length);
        Storage src = backend.upload(data);
        backend.copy(src, 0, storage, 0, data.length);
    }

    /** Same storage, no gradient history. */
    public Tensor detach() {
        return new Tensor(backend, storage, shape);
    }

    // ---- gradients ----------------------------------------------------------------------------

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a leaf as a trainable parameter (or freezes it). */
    public Tensor requiresGrad(boolean value) {
        if (!isLeaf() && !value) throw new IllegalStateException("cannot freeze a non-leaf tensor; use detach()");
        this.requiresGrad = value;
        return this;
    }

    /** The accumulated gradient as a tensor sharing its storage, or null when none yet. */
    public Tensor grad() {
        return grad == null ? null : new Tensor(backend, grad, shape);
    }

    /** The gradient storage, allocated (zeroed) on first use; ops' backward passes add into it. */
    public Storage gradForAccumulation() {
        if (grad == null) grad = backend.allocate(shape.size());
        return grad;
    }

    public boolean hasGrad() { return grad != null; }

    /**
     * Called during {@link #backward} once this leaf's gradient is complete (every op that used it has
     * run its backward): PyTorch's post-accumulate-grad hook, with which LOMO updates a parameter and
     * drops its gradient before the pass goes on. Null removes it.
     */
    public void onGradientReady(Consumer<Tensor> hook) { this.gradReadyHook = hook; }

    /** Drops the gradient (the optimizer's zero_grad). */
    public void zeroGrad() { grad = null; }

    /** Backward from a scalar: d(this)/d(this) = 1. */
    public void backward() {
        if (shape.size() != 1) throw new IllegalStateException("backward() needs a scalar; shape is " + shape);
        Storage seed = backend.allocate(1);
        backend.fill(seed, 0, 1, 1f);
        backward(seed);
    }

    /**
     * Reverse-mode pass from this tensor with the given output gradient. Gradients accumulate in
     * leaves; intermediate gradients and the tape are released as the pass goes.
     */
    public void backward(Storage gradOut) {
        if (!requiresGrad) throw new IllegalStateException("tensor does not require grad: nothing to differentiate");
        if (released) throw new IllegalStateException("backward() already ran through this graph and released it; build the graph again");
        List<Tensor> order = topologicalOrder();
        Storage g = gradForAccumulation();
        int[] n = {shape.size()};
        backend.reduceSumTo(gradOut, n, g, n, true); // accumulate: a leaf root keeps what it had
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor t = order.get(i);
            if (t.backwardFn == null) {
                if (t.gradReadyHook != null && t.grad != null) t.gradReadyHook.accept(t);
                continue;
            }
            if (t.grad != null) t.backwardFn.backward(t.grad);
            t.grad = null;
            t.released = true;
            t.backwardFn = null;
            t.inputs = null;
        }
    }

    /** Tape nodes reachable from this tensor, inputs before the ops that use them. */
    private List<Tensor> topologicalOrder() {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {this, 0});
        seen.add(this);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] ins = t.inputs == null ? new Tensor[0] : t.inputs;
            if (next < ins.length) {
                frame[1] = next + 1;
                Tensor in = ins[next];
                if (in != null && in.requiresGrad && seen.add(in)) stack.push(new Object[] {in, 0});
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(shape);
        if (opName != null) sb.append(" <").append(opName).append('>');
        if (size() <= 8) sb.append(' ').append(Arrays.toString(toArray()));
        return sb.toString();
    }
}
