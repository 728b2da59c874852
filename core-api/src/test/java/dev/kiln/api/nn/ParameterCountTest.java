package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parameter counts of the presets against hand formulas. The formulas give the published sizes at
 * full scale (not instantiated here, to stay fast): GPT-2 small (50257, 768, 12 layers, 1024)
 * = 124,439,808; BERT-base (30522, 768, 12, 512) = 108,891,648 (109,482,240 with HF's pooler).
 */
class ParameterCountTest {
    private final Backend be = new NaiveBackend();

    /** Per block with biases and a 4× MLP: qkv 3C² + 3C, out C² + C, up 4C² + 4C, down 4C² + C, two LayerNorms 4C. */
    static long gpt2Block(long c) { return 12 * c * c + 13 * c; }

    static long gpt2(long v, long c, long layers, long seq) {
        return v * c + seq * c + layers * gpt2Block(c) + 2 * c; // tied head, final LayerNorm
    }

    static long bert(long v, long c, long layers, long seq) {
        return v * c + seq * c + 2 * c + 2 * c + layers * gpt2Block(c); // + 2 token types, + embedding LayerNorm, no final norm
    }

    static long llama(long v, long c, long layers, long heads, long kvHeads, long ff) {
        long d = c / heads;
        long block = c * (heads + 2 * kvHeads) * d + heads * d * c + 3 * c * ff + 2 * c; // qkv, out, gate/up/down, 2 RMSNorms
        return 2 * v * c + layers * block + c; // untied head, final RMSNorm
    }

    @Test
    void formulasGiveThePublishedSizes() {
        assertEquals(124_439_808L, gpt2(50257, 768, 12, 1024));
        assertEquals(108_891_648L, bert(30522, 768, 12, 512));
    }

    @Test
    void gpt2() {
        assertEquals(gpt2(13, 16, 2, 16), new Transformer(be, TransformerConfig.gpt2(13, 16, 2, 4, 16), 1).parameterCount());
        assertEquals(gpt2(50, 32, 3, 40), new Transformer(be, TransformerConfig.gpt2(50, 32, 3, 2, 40), 1).parameterCount());
    }

    @Test
    void bert() {
        assertEquals(bert(13, 16, 2, 16), new Transformer(be, TransformerConfig.bert(13, 16, 2, 4, 16), 1).parameterCount());
        assertEquals(bert(50, 24, 1, 30), new Transformer(be, TransformerConfig.bert(50, 24, 1, 3, 30), 1).parameterCount());
    }

    @Test
    void llama() {
        assertEquals(llama(13, 16, 2, 4, 2, 24), new Transformer(be, TransformerConfig.llama(13, 16, 2, 4, 2, 24, 16), 1).parameterCount());
        assertEquals(llama(40, 32, 3, 8, 1, 40), new Transformer(be, TransformerConfig.llama(40, 32, 3, 8, 1, 40, 64), 1).parameterCount());
        assertEquals(llama(40, 32, 1, 4, 4, 40), new Transformer(be, TransformerConfig.llama(40, 32, 1, 4, 4, 40, 64), 1).parameterCount());
    }

    @Test
    void tiedHeadIsCountedOnceAndNamesAreStable() {
        Transformer gpt = new Transformer(be, TinyModels.gpt2(), 1);
        assertTrue(gpt.namedParameters().containsKey("embed.tokens.weight"));
        assertTrue(gpt.namedParameters().containsKey("blocks.1.attn.qkv.weight"));
        assertFalse(gpt.namedParameters().containsKey("lm_head.weight"));
        assertEquals(gpt.tokenEmbeddings(), gpt.lmHeadWeight());
        Transformer llama = new Transformer(be, TinyModels.llama(), 1);
        assertTrue(llama.namedParameters().containsKey("lm_head.weight"));
        assertEquals(llama.parameterCount(), llama.trainableParameterCount());
    }

    @Test
    void crossAttentionAddsItsProjectionsAndNorm() {
        TransformerConfig c = TinyModels.gpt2();
        long plain = new Transformer(be, c, 1).parameterCount();
        long cross = new Transformer(be, TinyModels.with(c, 0f, true, c.initStd()), 1).parameterCount();
        long d = c.dModel();
        // per layer: q C² + C, kv 2C² + 2C, out C² + C, LayerNorm 2C
        assertEquals(plain + c.layers() * (4 * d * d + 6 * d), cross);
    }
}
