package dev.kiln.api.quant;

import dev.kiln.api.io.Json;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kiln's 4-bit quantization against the vectors of {@code quant/gen_4bit_vectors.py} (a float32 numpy
 * re-implementation of bitsandbytes' definitions): tables, packed bytes, block scales, double-quantized
 * scales and dequantized values (those by SHA-256 of their float32 bytes), bit for bit; large inputs are
 * regenerated from the script's integer LCG rather than stored.
 */
class FourBitVectorsTest {
    @SuppressWarnings("unchecked")
    static Map<String, Object> vectors() throws Exception {
        try (InputStream in = FourBitVectorsTest.class.getResourceAsStream("/quant/vectors_4bit.json")) {
            return (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "vectors_4bit.json");
        }
    }

    static float[] floats(Object hex) {
        ByteBuffer b = ByteBuffer.wrap(HexFormat.of().parseHex((String) hex)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) out[i] = b.getFloat();
        return out;
    }

    /** The script's generated(): a 64-bit LCG, bits 40..63 centred and scaled, in exactly rounded float32 steps. */
    static float[] generated(Map<String, Object> spec, int n) {
        long h = ((Number) spec.get("seed")).longValue();
        float scale = floats(spec.get("scale"))[0];
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            h = h * 6364136223846793005L + 1442695040888963407L;
            out[i] = (float) ((int) ((h >>> 40) & 0xFFFFFF) - (1 << 23)) / (float) (1 << 23) * scale;
        }
        return out;
    }

    static String sha256(float[] values) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++)
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                    what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
    }

    @Test
    void tablesMatchTheReference() throws Exception {
        var v = vectors();
        assertBits(floats(v.get("nf4_code")), FourBitType.NF4.table(), "nf4 code");
        assertBits(floats(v.get("fp4_code")), FourBitType.FP4.table(), "fp4 code");
        assertBits(floats(v.get("dynamic_map_signed")), DynamicMap.table(), "dynamic map");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyCaseQuantizesAndDequantizesExactly() throws Exception {
        List<Object> cases = (List<Object>) vectors().get("cases");
        assertTrue(cases.size() >= 20, "cases: " + cases.size());
        int nested = 0;
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            String name = (String) c.get("name");
            float[] input = c.containsKey("generated") ? generated((Map<String, Object>) c.get("generated"), ((Number) c.get("n")).intValue())
                    : floats(c.get("input"));
            int n = ((Number) c.get("n")).intValue(), bs = ((Number) c.get("blocksize")).intValue();
            assertEquals(n, input.length, name);
            boolean dq = c.containsKey("nested_codes");
            Quantized4Bit q = Quantized4Bit.quantize(input, new int[] {n}, FourBitType.parse((String) c.get("type")), bs, dq);
            assertEquals(c.get("packed"), HexFormat.of().formatHex(q.packed()), name + " packed");
            if (dq) {
                nested++;
                assertEquals(c.get("nested_codes"), HexFormat.of().formatHex(q.nested().codes()), name + " nested codes");
                assertBits(floats(c.get("nested_absmax")), q.nested().absmax(), name + " nested absmax");
                assertBits(floats(c.get("offset")), new float[] {q.nested().offset()}, name + " offset");
                assertBits(floats(c.get("dequantized_absmax")), q.nested().dequantize(), name + " dequantized absmax");
            } else {
                assertBits(floats(c.get("absmax")), q.absmax(), name + " absmax");
            }
            assertEquals(c.get("dequantized_sha256"), sha256(q.dequantize()), name + " dequantized (SHA-256 of the float32 values)");
        }
        assertEquals(3, nested);
    }
}
