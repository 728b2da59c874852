package dev.kiln.finetune.sft;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.ops.Activations;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/**
 * The task head: one linear layer from the pooled hidden state to the label logits (Hugging Face's
 * {@code score} / {@code classifier}), after BERT's pooler ({@code dense} → tanh) when asked for
 * ({@code pooler: bert}, as {@code BertForSequenceClassification}). Parameters, saved as
 * {@code heads.sft.<name>}: {@code pooler.weight} [C, C] and {@code pooler.bias} [C] (BERT's pooler
 * only), {@code classifier.weight} [K, C], {@code classifier.bias} [K] (K = num_labels, 1 for regression).
 */
final class ClassificationHead extends Module {
    private final Linear pooler;
    private final Linear classifier;

    ClassificationHead(Backend be, int dModel, int numLabels, float std, long seed, boolean bertPooler) {
        Random rng = new Random(seed);
        this.pooler = bertPooler ? register("pooler", new Linear(be, new Random(seed + 1), dModel, dModel, true, std)) : null;
        this.classifier = register("classifier", new Linear(be, rng, dModel, numLabels, true, std));
    }

    /** pooled: [B, C] → logits [B, K] */
    Tensor forward(Tensor pooled) {
        Tensor x = pooler == null ? pooled : Activations.tanh(pooler.forward(pooled));   // [B, C]
        return classifier.forward(x);
    }
}
