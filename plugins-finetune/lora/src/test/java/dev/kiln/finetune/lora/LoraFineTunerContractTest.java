package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;

/** The contract with the defaults: r = 8 on attn.qkv. */
class LoraFineTunerContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new LoraFineTunerFactory(); }
}
