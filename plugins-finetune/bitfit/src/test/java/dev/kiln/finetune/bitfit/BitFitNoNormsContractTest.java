package dev.kiln.finetune.bitfit;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;

import java.util.Map;

/** The fine-tuner contract with include_norms = false. */
class BitFitNoNormsContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new BitFitFineTunerFactory(); }

    @Override
    public Map<String, Object> config() { return Map.of("include_norms", false); }
}
