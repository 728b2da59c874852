package dev.kiln.finetune.full;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class FullFineTunerTest {
    static final TransformerConfig TIED = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 3, 2, 16);
    static final TransformerConfig UNTIED = TransformerConfig.llama(TestTokenizers.BYTE_VOCAB, 16, 3, 2, 1, 32, 16);

    static FineTuner full(TransformerConfig model, Map<String, Object> cfg) {
        return new FullFineTunerFactory().create(new Config("finetune 'full'", cfg),
                new ObjectiveContext(TestTokenizers.bytes(), new NaiveBackend(), model, 1));
    }

    static List<String> frozen(Transformer m) {
        return m.namedParameters().entrySet().stream().filter(e -> !e.getValue().requiresGrad()).map(Map.Entry::getKey).toList();
    }

    static List<String> embedNames(Transformer m) {
        return m.namedParameters().keySet().stream().filter(n -> n.startsWith("embed.")).toList();
    }

    @Test
    void isDiscoveredAsAParametersMethod() {
        FineTunerFactory found = null;
        for (FineTunerFactory f : ServiceLoader.load(FineTunerFactory.class)) if (f.name().equals("full")) found = f;
        assertNotNull(found, "full is not registered in META-INF/services");
        assertEquals(FineTunerFactory.Role.PARAMETERS, found.role());
    }

    @Test
    void defaultTrainsEverythingIncludingPreviouslyFrozenAndHeads() {
        Transformer m = new Transformer(new NaiveBackend(), TIED, 1);
        m.namedParameters().values().forEach(t -> t.requiresGrad(false));
        Transformer.Group heads = new Transformer.Group();
        Tensor probe = heads.add("probe", Tensor.zeros(new NaiveBackend(), 2, 16));
        probe.requiresGrad(false);
        full(TIED, Map.of()).configure(m, heads);
        assertEquals(List.of(), frozen(m));
        assertTrue(probe.requiresGrad());
        assertEquals(m.parameterCount(), m.trainableParameterCount());
    }

    @Test
    void freezeEmbeddingsFreezesExactlyTheEmbedParameters() {
        Transformer m = new Transformer(new NaiveBackend(), TIED, 1);
        full(TIED, Map.of("freeze_embeddings", true)).configure(m, null);
        assertEquals(embedNames(m), frozen(m));
        assertEquals(2, frozen(m).size(), "token and position embeddings: " + frozen(m));
        assertFalse(m.lmHeadWeight().requiresGrad(), "a tied LM head is the token embedding, so it freezes too");

        Transformer u = new Transformer(new NaiveBackend(), UNTIED, 1);
        full(UNTIED, Map.of("freeze_embeddings", true)).configure(u, null);
        assertEquals(embedNames(u), frozen(u));
        assertEquals(1, frozen(u).size(), "rotary positions have no table: " + frozen(u));
        assertFalse(u.tokenEmbeddings().requiresGrad());
        assertTrue(u.lmHeadWeight().requiresGrad(), "an untied LM head keeps training");
    }

    @Test
    void freezeLayersFreezesExactlyTheFirstKBlocks() {
        Transformer m = new Transformer(new NaiveBackend(), TIED, 1);
        full(TIED, Map.of("freeze_layers", 2)).configure(m, null);
        List<String> f = frozen(m);
        assertFalse(f.isEmpty());
        for (String name : f) assertTrue(name.startsWith("blocks.0.") || name.startsWith("blocks.1."), name);
        for (var e : m.namedParameters().entrySet()) {
            boolean lower = e.getKey().startsWith("blocks.0.") || e.getKey().startsWith("blocks.1.");
            assertEquals(!lower, e.getValue().requiresGrad(), e.getKey());
        }
    }

    @Test
    void freezingMoreLayersThanTheModelHasIsAnErrorNamingBothKeys() {
        ConfigException e = assertThrows(ConfigException.class, () -> full(TIED, Map.of("freeze_layers", 4)));
        assertTrue(e.getMessage().contains("freeze_layers") && e.getMessage().contains("model.layers"), e.getMessage());
        FineTuner noContext = new FullFineTunerFactory().create(new Config("finetune 'full'", Map.of("freeze_layers", 4)), null);
        IllegalArgumentException late = assertThrows(IllegalArgumentException.class,
                () -> noContext.configure(new Transformer(new NaiveBackend(), TIED, 1), null));
        assertTrue(late.getMessage().contains("freeze_layers"), late.getMessage());
    }

    @Test
    void layerLrDecayGivesGeometricScalesByBlockDepth() {
        FineTuner t = full(TIED, Map.of("layer_lr_decay", 0.5));      // L = 3
        assertEquals(1.0, t.learningRateScale("blocks.2.attn.qkv.weight"), 1e-12);
        assertEquals(0.5, t.learningRateScale("blocks.1.mlp.up.bias"), 1e-12);
        assertEquals(0.25, t.learningRateScale("blocks.0.ln1.weight"), 1e-12);
        assertEquals(0.125, t.learningRateScale("embed.tokens.weight"), 1e-12);
        assertEquals(0.125, t.learningRateScale("embed.positions.weight"), 1e-12);
        assertEquals(1.0, t.learningRateScale("norm_f.weight"), 1e-12);
        assertEquals(1.0, t.learningRateScale("lm_head.weight"), 1e-12);
        assertEquals(1.0, t.learningRateScale("heads.nsp.classifier.weight"), 1e-12);
        assertEquals(1.0, t.learningRateScale("blocksX.0.weight"), 1e-12);
    }

    @Test
    void learningRateScaleIsOneEverywhereByDefault() {
        Transformer m = new Transformer(new NaiveBackend(), TIED, 1);
        FineTuner t = full(TIED, Map.of());
        for (String n : m.namedParameters().keySet()) assertEquals(1.0, t.learningRateScale(n), n);
    }

    @Test
    void blockIndexParsesOnlyWellFormedNames() {
        assertEquals(12, FullFineTuner.blockIndex("blocks.12.attn.out.weight"));
        assertEquals(-1, FullFineTuner.blockIndex("blocks..x"));
        assertEquals(-1, FullFineTuner.blockIndex("blocks.a1.x"));
        assertEquals(-1, FullFineTuner.blockIndex("embed.tokens.weight"));
        assertEquals(-1, FullFineTuner.blockIndex("blocks.3"));
    }

    @Test
    void configIsStrictAndValidated() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> full(TIED, Map.of("freeze_embedding", true)));
        assertTrue(unknown.getMessage().contains("freeze_embeddings") && unknown.getMessage().contains("layer_lr_decay"), unknown.getMessage());
        assertThrows(ConfigException.class, () -> full(TIED, Map.of("layer_lr_decay", 0)));
        assertThrows(ConfigException.class, () -> full(TIED, Map.of("layer_lr_decay", 1.5)));
        assertThrows(ConfigException.class, () -> full(TIED, Map.of("freeze_layers", -1)));
    }
}
