package dev.kiln.api.nn;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The three bias switches: attention_bias (q/k/v and o), mlp_bias (up / gate / down) and qkv_bias
 * (q/k/v alone, Qwen2) each put biases on exactly their projections; {@code bias} sets the first
 * two, and configs saved before the split (only {@code bias} / {@code qkv_bias}) load as they did.
 */
class BiasSwitchesTest {

    /** The bias parameters of block 0, without the "blocks.0." prefix. */
    private static Set<String> biases(TransformerConfig c) {
        return new Transformer(new NaiveBackend(), c, 1).namedParameters().keySet().stream()
                .filter(n -> n.startsWith("blocks.0.") && n.endsWith(".bias") && !n.contains("norm"))
                .map(n -> n.substring("blocks.0.".length())).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void eachSwitchCoversItsProjections() {
        TransformerConfig llama = TinyModels.llama();
        assertEquals(Set.of(), biases(llama));
        assertEquals(Set.of("attn.qkv.bias", "attn.out.bias"), biases(llama.toBuilder().attentionBias(true).build()));
        assertEquals(Set.of("mlp.gate.bias", "mlp.up.bias", "mlp.down.bias"), biases(llama.toBuilder().mlpBias(true).build()));
        assertEquals(Set.of("attn.qkv.bias"), biases(llama.toBuilder().qkvBias(true).build()));
        assertEquals(Set.of("attn.qkv.bias", "attn.out.bias", "mlp.gate.bias", "mlp.up.bias", "mlp.down.bias"),
                biases(llama.toBuilder().bias(true).build()));
        TransformerConfig split = llama.toBuilder().attentionBias(true).build();
        assertFalse(split.bias(), "bias() means every projection");
        assertTrue(split.hasQkvBias());
    }

    @Test
    void crossAttentionFollowsAttentionBias() {
        TransformerConfig c = TinyModels.gpt2().toBuilder().mlpBias(false).crossAttention(true).build();
        assertEquals(Set.of("attn.qkv.bias", "attn.out.bias", "cross.q.bias", "cross.kv.bias", "cross.out.bias"),
                biases(c));
    }

    @Test
    void savedConfigsWithOnlyBiasLoadAsBefore() {
        TransformerConfig old = TransformerConfig.fromConfig(new Config("model", Map.of("preset", "llama", "vocab", 13, "d_model", 16,
                "heads", 4, "bias", true, "qkv_bias", false)));
        assertTrue(old.attentionBias() && old.mlpBias() && !old.qkvBias());
        TransformerConfig qwen2 = TransformerConfig.fromConfig(new Config("model", Map.of("preset", "llama", "vocab", 13, "d_model", 16,
                "heads", 4, "bias", false, "qkv_bias", true)));
        assertTrue(!qwen2.attentionBias() && !qwen2.mlpBias() && qwen2.qkvBias());
        TransformerConfig gpt2 = TransformerConfig.fromConfig(new Config("model", Map.of("vocab", 13, "d_model", 16, "heads", 4)));
        assertTrue(gpt2.attentionBias() && gpt2.mlpBias(), "the gpt2 preset keeps its biases");
    }

    @Test
    void toMapRoundTripsSplitBiasesAndKeepsTheOldKeyWhenTheyAgree() {
        TransformerConfig same = TinyModels.gpt2();
        assertEquals(true, same.toMap().get("bias"));
        assertFalse(same.toMap().containsKey("attention_bias"), "configs without a split are saved as before");

        TransformerConfig split = TinyModels.llama().toBuilder().attentionBias(true).mlpBias(false).build();
        Map<String, Object> m = split.toMap();
        assertFalse(m.containsKey("bias"));
        assertEquals(true, m.get("attention_bias"));
        assertEquals(false, m.get("mlp_bias"));
        assertEquals(split, TransformerConfig.fromConfig(new Config("model", m)));
        TransformerConfig other = split.toBuilder().attentionBias(false).mlpBias(true).build();
        assertEquals(other, TransformerConfig.fromConfig(new Config("model", other.toMap())));
    }

    @Test
    void explicitKeysOverrideBias() {
        TransformerConfig c = TransformerConfig.fromConfig(new Config("model", Map.of("vocab", 13, "d_model", 16, "heads", 4,
                "bias", true, "mlp_bias", false)));
        assertTrue(c.attentionBias());
        assertFalse(c.mlpBias());
    }
}
