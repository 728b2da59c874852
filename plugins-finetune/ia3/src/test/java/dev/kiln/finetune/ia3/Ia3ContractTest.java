package dev.kiln.finetune.ia3;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;

/** The contract with the defaults: keys/values of attn.qkv and the input of mlp.down, on a GPT-2 shape. */
class Ia3ContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new Ia3FineTunerFactory(); }
}
