package dev.kiln.finetune.bitfit;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class BitFitTest {
    static final TransformerConfig GPT2 = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 16);
    static final TransformerConfig LLAMA = TransformerConfig.llama(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 1, 32, 16);

    static BitFitFineTuner bitfit(Map<String, Object> cfg) {
        return (BitFitFineTuner) new BitFitFineTunerFactory().create(new Config("finetune 'bitfit'", cfg), null);
    }

    @Test
    void isDiscoveredAsAParametersMethod() {
        FineTunerFactory found = null;
        for (FineTunerFactory f : ServiceLoader.load(FineTunerFactory.class)) if (f.name().equals("bitfit")) found = f;
        assertNotNull(found, "bitfit is not registered in META-INF/services");
        assertEquals(FineTunerFactory.Role.PARAMETERS, found.role());
    }

    @Test
    void exactlyTheBiasesTrainAndNormBiasesFollowIncludeNorms() {
        Transformer m = new Transformer(new NaiveBackend(), GPT2, 1);
        bitfit(Map.of()).configure(m, null);
        List<String> trainable = FineTunerContract.namesWhere(m, true);
        assertFalse(trainable.isEmpty());
        for (String n : trainable) assertTrue(n.endsWith(".bias"), n);
        for (var e : m.namedParameters().entrySet()) assertEquals(e.getKey().endsWith(".bias"), e.getValue().requiresGrad(), e.getKey());
        assertTrue(trainable.contains("blocks.0.norm1.bias") && trainable.contains("norm_f.bias"), trainable.toString());

        Transformer n = new Transformer(new NaiveBackend(), GPT2, 1);
        bitfit(Map.of("include_norms", false)).configure(n, null);
        List<String> noNorms = FineTunerContract.namesWhere(n, true);
        assertTrue(noNorms.contains("blocks.0.attn.qkv.bias") && noNorms.contains("blocks.1.mlp.down.bias"), noNorms.toString());
        for (String name : noNorms) assertFalse(name.contains("norm"), name);
        assertEquals(trainable.stream().filter(s -> !s.contains("norm")).toList(), noNorms);
    }

    @Test
    void frozenWeightsAreBitIdenticalAfterOptimizerStepsWithWeightDecayAndTheHeadMoves() {
        NaiveBackend be = new NaiveBackend();
        Transformer m = new Transformer(be, GPT2, 3);
        Transformer.Group heads = new Transformer.Group();
        Tensor head = heads.add("classifier.weight", Tensor.full(be, 0.01f, 3, 16));
        BitFitFineTuner t = bitfit(Map.of());
        t.configure(m, heads);

        Map<String, Tensor> all = new LinkedHashMap<>(m.namedParameters());
        all.put("heads.classifier.weight", head);
        Map<String, float[]> before = new LinkedHashMap<>();
        List<ParamGroup> groups = new ArrayList<>();
        for (var e : all.entrySet()) {
            before.put(e.getKey(), e.getValue().toArray());
            groups.add(new ParamGroup(e.getKey(), e.getValue(), t.learningRateScale(e.getKey()), 0.1));   // decay on everything, as a careless trainer would
        }
        AdamW opt = new AdamW(groups, 0.9, 0.999, 1e-8);
        for (int step = 0; step < 3; step++) {
            Tensor loss = Arithmetic.add(FineTunerContract.nextTokenLoss(m),
                    Reductions.mean(MatMul.matmul(head, m.tokenEmbeddings(), false, true)));   // head reads the (frozen) embeddings
            loss.backward();
            opt.step(1e-2);
            for (Tensor p : all.values()) p.zeroGrad();
        }
        for (var e : all.entrySet()) {
            boolean changed = !Arrays.equals(before.get(e.getKey()), e.getValue().toArray());
            if (e.getValue().requiresGrad()) assertTrue(changed, "trainable '" + e.getKey() + "' did not move");
            else assertFalse(changed, "frozen '" + e.getKey() + "' changed");
        }
        assertTrue(head.requiresGrad());
        assertFalse(m.tokenEmbeddings().requiresGrad());
        assertTrue(t.trainableState(m).containsKey("heads.classifier.weight"));
        assertFalse(t.trainableState(m).containsKey("embed.tokens.weight"), "frozen base weights are not in the BitFit state");
    }

    @Test
    void printTrainableParametersGivesPeftsLine() {
        Transformer m = new Transformer(new NaiveBackend(), GPT2, 1);
        BitFitFineTuner t = bitfit(Map.of());
        assertNull(t.lastReport());
        t.configure(m, null);
        long trainable = m.trainableParameterCount(), total = m.parameterCount();
        String expected = String.format(java.util.Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f",
                trainable, total, 100.0 * trainable / total);
        assertEquals(expected, t.lastReport());
        assertEquals(expected, BitFitFineTuner.printTrainableParameters(m, null));
        assertTrue(t.lastReport().matches("trainable params: [\\d,]+ \\|\\| all params: [\\d,]+ \\|\\| trainable%: \\d+\\.\\d{4}"), t.lastReport());
        assertTrue(trainable > 0 && trainable < total / 10, t.lastReport());
    }

    @Test
    void aModelWithoutBiasesNeedsAHead() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bitfit(Map.of()).configure(m, null));
        assertTrue(e.getMessage().contains("model.bias"), e.getMessage());
        Transformer.Group heads = new Transformer.Group();
        Tensor probe = heads.add("probe", Tensor.zeros(new NaiveBackend(), 2, 16));
        bitfit(Map.of()).configure(m, heads);
        assertEquals(0, m.trainableParameterCount());
        assertTrue(probe.requiresGrad());
    }

    @Test
    void configIsStrict() {
        ConfigException e = assertThrows(ConfigException.class, () -> bitfit(Map.of("include_norm", true)));
        assertTrue(e.getMessage().contains("include_norms"), e.getMessage());
        assertThrows(ConfigException.class, () -> bitfit(Map.of("include_norms", "maybe")));
    }
}
