package dev.kiln.finetune.sft;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/**
 * The task head: one linear layer from the pooled hidden state to the label logits (Hugging Face's
 * {@code score} / {@code classifier}). Parameters, saved as {@code heads.sft.<name>}:
 * {@code classifier.weight} [K, C], {@code classifier.bias} [K] (K = num_labels, 1 for regression).
 */
final class ClassificationHead extends Module {
    private final Linear classifier;

    ClassificationHead(Backend be, int dModel, int numLabels, float std, long seed) {
        this.classifier = register("classifier", new Linear(be, new Random(seed), dModel, numLabels, true, std));
    }

    /** pooled: [B, C] → logits [B, K] */
    Tensor forward(Tensor pooled) {
        return classifier.forward(pooled);
    }
}
