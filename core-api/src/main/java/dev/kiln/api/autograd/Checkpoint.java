package dev.kiln.api.autograd;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.ScratchScope;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * Activation (gradient) checkpointing, torch.utils.checkpoint's non-reentrant idea on Kiln's tape:
 * the forward pass runs a segment without recording, so the tape keeps only the segment's inputs
 * and its one output node; that node's backward re-runs the segment under grad mode on detached
 * copies of the inputs, backpropagates the output gradient through the recomputed graph (parameters
 * accumulate their gradients there, as leaves) and hands the inputs' gradients to the outer pass.
 * The segment must be a pure function of its inputs and parameters: dropout masks come from a
 * counter-based stream keyed by an explicit seed, so the recompute draws the same masks.
 */
public final class Checkpoint {
    private Checkpoint() {}

    /**
     * segment(inputs) with its activations recomputed in backward.
     *
     * @param segment what to run; it receives detached inputs (same storage, same shapes) in the recompute
     * @param inputs  the tensors the segment reads (inputs[0] non-null; others may be null); e.g. [B, T, C] hidden states
     * @param params  the parameters the segment uses: tape inputs of the result, so a segment whose
     *                inputs need no gradient (frozen embeddings under LoRA) still trains its parameters
     * @return the segment's output, one tape node whose inputs are {@code inputs} and the trainable {@code params}
     */
    public static Tensor apply(Function<Tensor[], Tensor> segment, Tensor[] inputs, Collection<Tensor> params) {
        List<Tensor> tape = new ArrayList<>();
        for (Tensor t : inputs) if (t != null) tape.add(t);
        for (Tensor p : params) if (p.requiresGrad()) tape.add(p);
        boolean needsGrad = false;
        for (Tensor t : tape) needsGrad |= t.requiresGrad();
        if (!GradMode.isEnabled() || !needsGrad) return segment.apply(inputs);
        Tensor out;
        try (var g = GradMode.noGrad(); var scratch = ScratchScope.open()) {
            out = segment.apply(inputs);           // its intermediates go back to the backend: backward recomputes them
            scratch.keep(out);
        }
        return Tensor.result("checkpoint", out.storage(), out.shape(), gradOut -> recompute(segment, inputs, gradOut), tape.toArray(new Tensor[0]));
    }

    /** Backward: rebuild the segment's graph, run it backward from gradOut, pass the inputs' gradients on. */
    private static void recompute(Function<Tensor[], Tensor> segment, Tensor[] inputs, Storage gradOut) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++)
            // a view, not detach(): detach() would keep the input's storage past the outer backward
            if (inputs[i] != null) leaves[i] = Tensor.wrap(inputs[i].backend(), inputs[i].storage(), inputs[i].shape())
                    .requiresGrad(inputs[i].requiresGrad());
        Tensor out;
        try (var g = GradMode.enableGrad()) {
            out = segment.apply(leaves);
        }
        if (!out.requiresGrad()) return;
        out.backward(gradOut);
        out.releaseStorage();
        for (int i = 0; i < inputs.length; i++) {
            if (leaves[i] == null || !leaves[i].hasGrad()) continue;
            Backend be = inputs[i].backend();
            int[] n = {inputs[i].size()};
            be.reduceSumTo(leaves[i].gradForAccumulation(), n, inputs[i].gradForAccumulation(), n, true);
            leaves[i].zeroGrad();
        }
    }
}
