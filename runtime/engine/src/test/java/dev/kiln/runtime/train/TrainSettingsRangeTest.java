package dev.kiln.runtime.train;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Out-of-range train keys are refused naming the key and the rule, instead of surfacing later as "training diverged". */
class TrainSettingsRangeTest {

    private static TrainSettings parse(String key, Object value) {
        return TrainSettings.fromConfig(new Config("train", Map.of(key, value)));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"batch_size, 0, '>= 1'", "seq_len, -3, '>= 1'", "grad_accum, 0, '>= 1'", "lr, 0, '> 0'", "lr, -1e-3, '> 0'",
            "warmup, -1, '>= 0'", "min_lr_ratio, 1.5, 'in [0, 1]'", "weight_decay, -0.1, '>= 0'", "beta1, 1.0, 'in [0, 1)'",
            "beta2, -0.1, 'in [0, 1)'", "eps, 0, '> 0'", "momentum, -0.5, '>= 0'", "grad_clip, -1, '>= 0'",
            "eval_batches, -2, '>= 0'", "steps, -5, '>= 0'"})
    void outOfRangeValuesNameTheKeyAndTheRule(String key, String value, String rule) {
        Object v = value.contains(".") || value.contains("e") ? (Object) Double.parseDouble(value) : (Object) Long.parseLong(value);
        ConfigException e = assertThrows(ConfigException.class, () -> parse(key, v));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("must be " + rule), e.getMessage());
    }

    @Test
    void boundaryValuesAreAccepted() {
        assertEquals(0.0, parse("beta1", 0.0).beta1());
        assertEquals(1.0, parse("min_lr_ratio", 1.0).minLrRatio());
        assertEquals(0.0, parse("grad_clip", 0.0).gradClip());
        assertEquals(0, parse("eval_every", 0L).evalEvery());
    }

    @Test
    void groupByLengthIsOffUnlessAsked() {
        assertEquals(true, parse("group_by_length", true).groupByLength());
        assertEquals(false, parse("eval_every", 10L).groupByLength());
    }
}
