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
    private boolean ownsStorage;        // an op result with storage no input shares (not a view): released with the node
    private boolean escaped;            // detach() shared the storage: it outlives the tape
    private Storage[] saved;            // what only this node's backward reads (statistics, masks)

    // the gradient of the node whose backward runs on this thread, while no input has adopted it (adoptGradient)
    private static final ThreadLocal<Storage[]> HANDED_OFF = ThreadLocal.withInitial(() -> new Storage[1]);

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
        out.ownsStorage = true;
        for (Tensor in : inputs) if (in != null && in.storage == storage) out.ownsStorage = false;
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
        if (!out.requiresGrad) ScratchScope.record(out);
        return out;
    }

    /**
     * Storages besides its own that only this result's backward reads and nobody else holds (an op's saved
     * statistics): the tape releases them to the backend with the result once backward has used them, and
     * they are released now when no backward will run (no grad mode, no input requiring gradients).
     */
    public Tensor savedForBackward(Storage... storages) {
        if (backwardFn == null) {
            for (Storage st : storages) if (st != null) backend.release(st);
        } else {
            saved = storages;
        }
        return this;
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

    /** Same storage, no gradient history; the storage then outlives the tape (backward does not release it). */
    public Tensor detach() {
        markEscaped();
        return new Tensor(backend, storage, shape);
    }

    /**
     * Gives this op result's own storage back to the backend once its caller is done with it (a root whose
     * backward has run); nothing for a leaf, a view of an input or a storage a {@link #detach()} shares.
     */
    public void releaseStorage() {
        if (ownsStorage && !escaped) backend.release(storage);
    }

    /** True once a {@link #detach()} shares this tensor's storage. */
    boolean storageEscaped() { return escaped; }

    /** This node and the nodes it is a view of keep their storage after backward. */
    private void markEscaped() {
        escaped = true;
        if (!ownsStorage && inputs != null)
            for (Tensor in : inputs) if (in != null && in.storage == storage && !in.escaped) in.markEscaped();
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
     * Where a backward pass that writes this tensor's whole gradient puts it: with no gradient yet, a
     * fresh storage to overwrite (not zero-filled first: the writer sets every element); else the
     * existing one, to add into ({@code accumulate}).
     */
    public GradTarget gradTarget() {
        if (grad != null) return new GradTarget(grad, true);
        grad = backend.allocateUninitialized(shape.size());
        return new GradTarget(grad, false);
    }

    /** The gradient storage an op's backward writes, and whether it adds into it or overwrites it. */
    public record GradTarget(Storage storage, boolean accumulate) {}

    /**
     * For a backward pass that computed this tensor's gradient contribution into {@code owned}, a storage of this
     * tensor's size that nothing else holds: it becomes the gradient when there is none yet (no zeroed storage,
     * no copy); else it is added into the gradient and released.
     */
    public void takeGradient(Storage owned) {
        if (owned.size() != shape.size())
            throw new IllegalArgumentException("a gradient of " + owned.size() + " floats for shape " + shape);
        if (grad == null) {
            grad = owned;
            return;
        }
        int[] n = {shape.size()};
        backend.reduceSumTo(owned, n, grad, n, true);
        backend.release(owned);
    }

    /**
     * For a backward pass whose gradient for this tensor is the op output's gradient {@code g} itself, same shape
     * (an add's): takes {@code g} as this tensor's gradient instead of a copy, when this tensor has none yet and
     * {@code g} is the gradient the running backward was given (which the pass would otherwise release next).
     * Returns false, taking nothing, in any other case; the caller then writes the gradient as usual.
     */
    public boolean adoptGradient(Storage g) {
        Storage[] slot = HANDED_OFF.get();
        if (grad != null || !requiresGrad || g != slot[0] || g.size() != shape.size()) return false;
        grad = g;
        slot[0] = null;
        return true;
    }

    /**
     * Called during {@link #backward} once this leaf's gradient is complete (every op that used it has
     * run its backward): PyTorch's post-accumulate-grad hook, with which LOMO updates a parameter and
     * drops its gradient before the pass goes on. Null removes it.
     */
    public void onGradientReady(Consumer<Tensor> hook) { this.gradReadyHook = hook; }

    /** Drops the gradient (the optimizer's zero_grad), releasing its storage to the backend for the next one. */
    public void zeroGrad() {
        if (grad != null) backend.release(grad);
        grad = null;
    }

    /** Backward from a scalar: d(this)/d(this) = 1. */
    public void backward() {
        if (shape.size() != 1) throw new IllegalStateException("backward() needs a scalar; shape is " + shape);
        Storage seed = backend.allocate(1);
        backend.fill(seed, 0, 1, 1f);
        backward(seed);
        backend.release(seed);
    }

    /**
     * Reverse-mode pass from this tensor with the given output gradient. Gradients accumulate in
     * leaves; the tape is released as the pass goes, and with it, to the backend for reuse, each
     * intermediate gradient once its op has used it and each intermediate result once nothing left in
     * the pass reads it (not this root, not a view of a leaf, not a storage a {@link #detach()} shares);
     * at the end, the op results outside the tape that its ops read (what frozen weights alone computed).
     * A caller that needs an intermediate's values afterwards copies them first.
     */
    public void backward(Storage gradOut) {
        if (!requiresGrad) throw new IllegalStateException("tensor does not require grad: nothing to differentiate");
        if (released) throw new IllegalStateException("backward() already ran through this graph and released it; build the graph again");
        List<Tensor> order = topologicalOrder();
        Set<Tensor> offTape = Collections.newSetFromMap(new IdentityHashMap<>());
        Storage g = gradForAccumulation();
        int[] n = {shape.size()};
        backend.reduceSumTo(gradOut, n, g, n, true); // accumulate: a leaf root keeps what it had
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor t = order.get(i);
            if (t.backwardFn == null) {
                if (t.gradReadyHook != null && t.grad != null) t.gradReadyHook.accept(t);
                continue;
            }
            // every consumer of t ran before it (reverse topological order): its gradient (unless an input adopted
            // it), its own storage and what its backward saved are read by no one now
            if (t.grad != null) runBackward(t);
            if (t != this) t.releaseStorage();
            if (t.saved != null) for (Storage st : t.saved) if (st != null) backend.release(st);
            for (Tensor in : t.inputs) if (in != null && !in.requiresGrad && !in.escaped) offTape.add(in);
            t.grad = null;
            t.saved = null;
            t.released = true;
            t.backwardFn = null;
            t.inputs = null;
        }
        // op results the tape read but did not record (computed from frozen weights only: a LoRA model's base
        // projections); every reader has run now. What they were computed from is not tracked: keeping it for
        // this would hold a frozen backbone's every activation until backward (a trainable head alone).
        for (Tensor in : offTape) in.releaseStorage();
    }

    // t's backward with t's gradient offered for adoption; released after unless an input took it
    private void runBackward(Tensor t) {
        Storage[] slot = HANDED_OFF.get();
        Storage outer = slot[0];                     // a backward inside a backward (checkpointing) nests
        slot[0] = t.grad;
        boolean adopted;
        try {
            t.backwardFn.backward(t.grad);
        } finally {
            adopted = slot[0] == null;
            slot[0] = outer;
        }
        if (!adopted) backend.release(t.grad);
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
