package dev.kiln.api.optim;

import dev.kiln.api.tensor.Tensor;

/** One parameter as the optimizer sees it: its name, its tensor, its learning-rate scale and weight decay. */
public record ParamGroup(String name, Tensor param, double lrScale, double weightDecay) {

    /**
     * GPT-2 / nanoGPT convention: decay matrices, not biases, norm gains or embeddings
     * (names containing "embed", rank-1 tensors).
     */
    public static boolean decays(String name, Tensor t) {
        return t.rank() >= 2 && !name.contains("embed");
    }
}
