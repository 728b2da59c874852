package dev.kiln.runtime.pipeline;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.ReferencePolicy;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The reference policy of a signal that asks for one ({@link dev.kiln.api.objective.Objective#needsReference()}),
 * built once the fine-tuning method has configured the model: an adapter method's model with its
 * adapters disabled (no second copy), otherwise a frozen second copy loaded from {@code finetune.from}.
 */
final class ReferenceModels {
    private ReferenceModels() {}

    static ReferencePolicy build(Transformer policy, Path from, Backend backend) throws IOException {
        if (policy.hasAdapters()) return ReferencePolicy.adaptersDisabled(policy);
        Transformer copy = ModelSource.load(from, backend).model();
        return ReferencePolicy.frozen(copy, from.getFileName().toString());
    }
}
