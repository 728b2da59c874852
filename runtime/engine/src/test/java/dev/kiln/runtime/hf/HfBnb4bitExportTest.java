package dev.kiln.runtime.hf;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.io.DType;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.TensorSource;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.quant.DynamicMap;
import dev.kiln.api.quant.FourBitType;
import dev.kiln.api.quant.Quantized4Bit;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Export in bitsandbytes' 4-bit layout (transformers' load_in_4bit save) and loading such a directory. */
class HfBnb4bitExportTest {
    private final NaiveBackend be = new NaiveBackend();
    private final Tokenizer tokenizer = TokenizerSpec.standard().create("byte");

    @TempDir
    Path tmp;

    private Path export(Transformer model, String name, HfExport.Quantize q) throws Exception {
        Path kiln = tmp.resolve("kiln-" + name);
        ModelStore.save(kiln, model, Map.of(), Map.of());
        TokenizerSpec.standard().save(tokenizer, kiln);
        return HfExport.export(kiln, tmp.resolve(name + "-out"),
                HfExport.Options.defaults().withQuantize(q), be).dir();
    }

    private static float[] expected(Transformer model, String kilnName, HfExport.Quantize q) {
        float[] w = model.namedParameters().get(kilnName).toArray();
        return Quantized4Bit.quantize(w, new int[] {w.length}, FourBitType.parse(q.type()), q.blocksize(), q.doubleQuant()).dequantize();
    }

    @Test
    void aLlamaInNf4WithDoubleQuantHasTransformersKeysAndLoadsBackDequantized() throws Exception {
        Transformer model = new Transformer(be, TransformerConfig.llama(tokenizer.vocabSize(), 32, 2, 4, 2, 48, 64), 4);
        HfExport.Quantize q = new HfExport.Quantize("nf4", true, 64);
        Path dir = export(model, "llama", q);
        String w = "model.layers.0.self_attn.o_proj.weight";
        try (TensorSource src = TensorSource.open(dir)) {
            assertEquals(DType.U8, src.info(w).dtype());
            assertArrayEquals(new long[] {32 * 32 / 2, 1}, src.info(w).shape());
            assertEquals(DType.U8, src.info(w + ".absmax").dtype(), "double-quantized scales are uint8 codes");
            assertArrayEquals(new long[] {16}, src.info(w + ".absmax").shape());
            assertArrayEquals(new long[] {1}, src.info(w + ".nested_absmax").shape());
            assertArrayEquals(FourBitType.NF4.table(), src.floats(w + ".quant_map"));
            assertArrayEquals(DynamicMap.table(), src.floats(w + ".nested_quant_map"));
            String state = new String(src.bytes(w + ".quant_state.bitsandbytes__nf4"), StandardCharsets.UTF_8);
            assertTrue(state.startsWith("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [32, 32], "
                    + "\"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": "), state);
            assertEquals(DType.F32, src.info("model.embed_tokens.weight").dtype(), "embeddings stay float");
            assertEquals(DType.F32, src.info("lm_head.weight").dtype(), "the LM head stays float");
            assertEquals(DType.F32, src.info("model.layers.0.input_layernorm.weight").dtype());
            assertEquals(DType.U8, src.info("model.layers.1.mlp.gate_proj.weight").dtype());
            assertEquals(DType.U8, src.info("model.layers.1.self_attn.k_proj.weight").dtype(), "fused qkv quantized per q / k / v");
        }
        Map<?, ?> config = (Map<?, ?>) Json.read(dir.resolve("config.json"));
        Map<?, ?> qc = (Map<?, ?>) config.get("quantization_config");
        assertEquals("bitsandbytes", qc.get("quant_method"));
        assertEquals(true, qc.get("load_in_4bit"));
        assertEquals("nf4", qc.get("bnb_4bit_quant_type"));
        assertEquals(true, qc.get("bnb_4bit_use_double_quant"));
        Transformer back = HfCheckpoints.load(dir, be).model();
        for (String k : List.of("blocks.0.attn.out.weight", "blocks.1.mlp.down.weight"))
            assertArrayEquals(expected(model, k, q), back.namedParameters().get(k).toArray(), k);
        assertArrayEquals(model.namedParameters().get("embed.tokens.weight").toArray(), back.namedParameters().get("embed.tokens.weight").toArray());
    }

    @Test
    void aGpt2InFp4KeepsLinear4bitsOutInOrientationForItsConv1dWeights() throws Exception {
        Transformer model = new Transformer(be, TransformerConfig.gpt2(tokenizer.vocabSize(), 32, 2, 4, 64), 3);
        HfExport.Quantize q = new HfExport.Quantize("fp4", false, 32);
        Path dir = export(model, "gpt2", q);
        try (TensorSource src = TensorSource.open(dir)) {
            String w = "transformer.h.0.attn.c_attn.weight";
            assertEquals(DType.F32, src.info(w + ".absmax").dtype());
            assertArrayEquals(new long[] {96 * 32 / 32}, src.info(w + ".absmax").shape());
            String state = new String(src.bytes(w + ".quant_state.bitsandbytes__fp4"), StandardCharsets.UTF_8);
            assertEquals("{\"quant_type\": \"fp4\", \"blocksize\": 32, \"dtype\": \"float32\", \"shape\": [96, 32]}", state);
        }
        Transformer back = HfCheckpoints.load(dir, be).model();
        for (String k : List.of("blocks.0.attn.qkv.weight", "blocks.1.mlp.up.weight"))
            assertArrayEquals(expected(model, k, q), back.namedParameters().get(k).toArray(), k);
    }

    @Test
    void pythonReprOfTheNestedOffset() {
        assertEquals("0.046536475", Bnb4bit.pythonRepr(0.046536475));
        assertEquals("0.0001", Bnb4bit.pythonRepr(1e-4));
        assertEquals("1e-05", Bnb4bit.pythonRepr(1e-5));
        assertEquals("-2.5e-07", Bnb4bit.pythonRepr(-2.5e-7));
        assertEquals("3.0", Bnb4bit.pythonRepr(3.0));
    }
}
