package dev.kiln.finetune.bitfit;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;

/** The fine-tuner contract with the defaults (norm biases train too). */
class BitFitContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new BitFitFineTunerFactory(); }
}
