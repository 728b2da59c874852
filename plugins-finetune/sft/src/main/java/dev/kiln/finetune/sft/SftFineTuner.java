package dev.kiln.finetune.sft;

import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.objective.Objective;

/**
 * Supervised fine-tuning, the signal half of a pipeline: {@link #signal()} is a
 * {@link SequenceClassificationObjective}. What trains is left to the PARAMETERS method it is
 * combined with (full, lora, bitfit ...), so every other method keeps its default.
 */
public final class SftFineTuner implements FineTuner {
    private final SequenceClassificationObjective objective;

    SftFineTuner(SequenceClassificationObjective objective) { this.objective = objective; }

    @Override
    public String name() { return SftFineTunerFactory.NAME; }

    @Override
    public Objective signal() { return objective; }

    @Override
    public String toString() {
        return "sft(task=" + objective.task() + ", pooler=" + objective.pooler() + ", labels=" + objective.labelNames() + ")";
    }
}
