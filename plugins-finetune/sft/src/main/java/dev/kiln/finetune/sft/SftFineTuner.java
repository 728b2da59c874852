package dev.kiln.finetune.sft;

import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.objective.Objective;

/**
 * Supervised fine-tuning, the signal half of a pipeline: {@link #signal()} is a
 * {@link SequenceClassificationObjective} (classification, regression) or an
 * {@link InstructionObjective} (instruction). What trains is left to the PARAMETERS method it is
 * combined with (full, lora, bitfit ...), so every other method keeps its default.
 */
public final class SftFineTuner implements FineTuner {
    private final Objective objective;

    SftFineTuner(Objective objective) { this.objective = objective; }

    @Override
    public String name() { return SftFineTunerFactory.NAME; }

    @Override
    public Objective signal() { return objective; }

    @Override
    public String toString() {
        if (objective instanceof SequenceClassificationObjective c)
            return "sft(task=" + c.task() + ", pooler=" + c.pooler() + ", labels=" + c.labelNames() + ")";
        return objective.toString();
    }
}
