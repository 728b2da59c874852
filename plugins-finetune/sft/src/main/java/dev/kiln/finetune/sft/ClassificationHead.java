package dev.kiln.finetune.sft;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.ops.Activations;
import dev.kiln.api.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * The task head: one linear layer from the pooled hidden state to the label logits (Hugging Face's
 * {@code score} / {@code classifier}), after BERT's pooler ({@code dense} → tanh) when asked for
 * ({@code pooler: bert}, as {@code BertForSequenceClassification}). Parameters, saved as
 * {@code heads.sft.<name>}: {@code pooler.weight} [C, C] and {@code pooler.bias} [C] (BERT's pooler
 * only), {@code classifier.weight} [K, C], {@code classifier.bias} [K] (K = num_labels, 1 for regression).
 */
final class ClassificationHead extends Module {
    /** The saved head's tensor names in a model directory, without {@code heads.}. */
    static final String CLASSIFIER_WEIGHT = "sft.classifier.weight", POOLER_WEIGHT = "sft.pooler.weight";

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

    /**
     * A frozen head holding the tensors saved as {@code heads.sft.*} in {@code dir} (given by name
     * without {@code heads.}); each of its parameters must be there with its shape.
     */
    static ClassificationHead load(Path dir, Map<String, Tensor> saved, Backend be, int dModel, int numLabels, boolean bertPooler) {
        ClassificationHead head = new ClassificationHead(be, dModel, numLabels, 0f, 0, bertPooler);
        for (Map.Entry<String, Tensor> p : head.namedParameters().entrySet()) {
            String name = SftFineTunerFactory.NAME + "." + p.getKey();
            Tensor t = saved.get(name);
            if (t == null) throw new IllegalArgumentException(dir + ": the classifier head needs tensor 'heads." + name + "', which is missing");
            if (!t.shape().equals(p.getValue().shape()))
                throw new IllegalArgumentException(dir + ": tensor 'heads." + name + "' is " + t.shape() + ", expected " + p.getValue().shape());
            p.getValue().copyFrom(t.toArray());
            p.getValue().requiresGrad(false);
        }
        head.train(false);
        return head;
    }
}
