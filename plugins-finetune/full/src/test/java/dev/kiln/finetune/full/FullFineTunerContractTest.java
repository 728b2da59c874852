package dev.kiln.finetune.full;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;

/** The contract with the defaults: everything trains. */
class FullFineTunerContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new FullFineTunerFactory(); }
}
