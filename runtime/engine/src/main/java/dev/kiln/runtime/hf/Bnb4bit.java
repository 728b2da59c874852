package dev.kiln.runtime.hf;

import dev.kiln.api.io.DType;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.io.TensorSource;
import dev.kiln.api.quant.DynamicMap;
import dev.kiln.api.quant.FourBitType;
import dev.kiln.api.quant.NestedAbsmax;
import dev.kiln.api.quant.Quantized4Bit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * bitsandbytes' 4-bit checkpoint layout, as transformers saves a {@code Linear4bit} (QuantState.as_dict(packed=True)):
 * <ul>
 *   <li>{@code <w>}: the packed codes, U8 [(n + 1) / 2, 1] (first element in the high nibble);</li>
 *   <li>{@code <w>.absmax}: F32 [blocks], or with double quantization U8 [blocks] codes;</li>
 *   <li>{@code <w>.quant_map}: F32 [16]; with double quantization also {@code <w>.nested_absmax} F32
 *       [ceil(blocks / 256)] and {@code <w>.nested_quant_map} F32 [256];</li>
 *   <li>{@code <w>.quant_state.bitsandbytes__<nf4|fp4>}: U8, the UTF-8 of json.dumps of quant_type, blocksize,
 *       dtype, shape (and nested_blocksize, nested_dtype, nested_offset);</li>
 * </ul>
 * and config.json's {@code quantization_config} (BitsAndBytesConfig.to_dict()).
 */
final class Bnb4bit {
    static final String ABSMAX = ".absmax", QUANT_MAP = ".quant_map", NESTED_ABSMAX = ".nested_absmax",
            NESTED_QUANT_MAP = ".nested_quant_map", QUANT_STATE = ".quant_state.bitsandbytes__";
    static final String CONFIG_KEY = "quantization_config";

    /** How export quantizes the backbone's linear weights. */
    record Spec(FourBitType type, boolean doubleQuant, int blocksize) {
        Spec {
            Quantized4Bit.checkBlocksize(blocksize);
        }
    }

    private Bnb4bit() {}

    /** The tensors of one quantized weight {@code name} of {@code shape} ([out, in], Linear4bit's). */
    static Map<String, TensorData> save(String name, float[] values, int[] shape, Spec spec) {
        Quantized4Bit q = Quantized4Bit.quantize(values, shape, spec.type(), spec.blocksize(), spec.doubleQuant());
        Map<String, TensorData> out = new LinkedHashMap<>();
        out.put(name, TensorData.raw(DType.U8, new long[] {q.packed().length, 1}, q.packed()));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("quant_type", spec.type().key());
        if (q.doubleQuant()) {
            out.put(name + ABSMAX, TensorData.raw(DType.U8, new long[] {q.blocks()}, q.nested().codes()));
        } else {
            out.put(name + ABSMAX, TensorData.f32(new int[] {q.blocks()}, q.absmax()));
        }
        state.put("blocksize", spec.blocksize());
        out.put(name + QUANT_MAP, TensorData.f32(new int[] {16}, spec.type().table()));
        state.put("dtype", "float32");
        state.put("shape", List.of(shape[0], shape[1]));
        if (q.doubleQuant()) {
            out.put(name + NESTED_ABSMAX, TensorData.f32(new int[] {q.nested().absmax().length}, q.nested().absmax()));
            state.put("nested_blocksize", NestedAbsmax.BLOCKSIZE);
            out.put(name + NESTED_QUANT_MAP, TensorData.f32(new int[] {256}, DynamicMap.table()));
            state.put("nested_dtype", "float32");
            state.put("nested_offset", (double) q.nested().offset());
        }
        byte[] json = pythonJson(state).getBytes(StandardCharsets.UTF_8);
        out.put(name + QUANT_STATE + spec.type().key(), TensorData.raw(DType.U8, new long[] {json.length}, json));
        return out;
    }

    /** json.dumps with its default separators (", " and ": "), keys in insertion order. */
    static String pythonJson(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder("{");
        for (var e : m.entrySet()) {
            if (sb.length() > 1) sb.append(", ");
            sb.append(Json.quote(e.getKey())).append(": ");
            Object v = e.getValue();
            if (v instanceof List<?> l) {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) sb.append(i > 0 ? ", " : "").append(l.get(i));
                sb.append(']');
            } else if (v instanceof String s) sb.append(Json.quote(s));
            else if (v instanceof Double d) sb.append(pythonRepr(d));
            else sb.append(v);
        }
        return sb.append('}').toString();
    }

    /** Python's repr of a float: shortest round-trip digits, plain for 1e-4 <= |d| < 1e16, else d.ddde-XX. */
    static String pythonRepr(double d) {
        if (d == 0 || !Double.isFinite(d)) return d == 0 ? (1 / d < 0 ? "-0.0" : "0.0") : Double.toString(d);
        java.math.BigDecimal b = new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exp = b.precision() - b.scale() - 1;
        if (exp >= -4 && exp < 16) {
            String plain = b.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = b.unscaledValue().abs().toString().replaceAll("0+$", "");
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }

    /** config.json's quantization_config, as transformers' BitsAndBytesConfig(load_in_4bit=True, ...).to_dict() writes it. */
    static Map<String, Object> quantizationConfig(Spec spec) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_load_in_4bit", true);
        c.put("_load_in_8bit", false);
        c.put("bnb_4bit_compute_dtype", "float32");
        c.put("bnb_4bit_quant_storage", "uint8");
        c.put("bnb_4bit_quant_type", spec.type().key());
        c.put("bnb_4bit_use_double_quant", spec.doubleQuant());
        c.put("llm_int8_enable_fp32_cpu_offload", false);
        c.put("llm_int8_has_fp16_weight", false);
        c.put("llm_int8_skip_modules", null);
        c.put("llm_int8_threshold", 6.0);
        c.put("load_in_4bit", true);
        c.put("load_in_8bit", false);
        c.put("quant_method", "bitsandbytes");
        return c;
    }

    /** The quant_state key of {@code name} in {@code src}, or null when the tensor is not 4-bit. */
    static String stateKey(TensorSource src, String name) {
        for (FourBitType t : FourBitType.values()) if (src.contains(name + QUANT_STATE + t.key())) return name + QUANT_STATE + t.key();
        return null;
    }

    /** Reads one 4-bit weight back (codes, scales, nested scales, offset from its quant_state). */
    static Quantized4Bit load(TensorSource src, String name) throws IOException {
        String key = stateKey(src, name);
        if (key == null) throw new HfCheckpointException(name + ": no bitsandbytes quant_state beside it");
        Map<?, ?> state = (Map<?, ?>) Json.parse(new String(src.bytes(key), StandardCharsets.UTF_8), key);
        FourBitType type = FourBitType.parse(String.valueOf(state.get("quant_type")));
        int blocksize = ((Number) state.get("blocksize")).intValue();
        List<?> sh = (List<?>) state.get("shape");
        int[] shape = new int[sh.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = ((Number) sh.get(i)).intValue();
        float[] table = src.floats(name + QUANT_MAP);
        if (!java.util.Arrays.equals(table, type.table()))
            throw new HfCheckpointException(name + QUANT_MAP + ": not bitsandbytes' " + type.key() + " table");
        byte[] packed = src.bytes(name);
        if (state.containsKey("nested_offset")) {
            if (!java.util.Arrays.equals(src.floats(name + NESTED_QUANT_MAP), DynamicMap.table()))
                throw new HfCheckpointException(name + NESTED_QUANT_MAP + ": not bitsandbytes' signed dynamic map");
            NestedAbsmax nested = new NestedAbsmax(src.bytes(name + ABSMAX), src.floats(name + NESTED_ABSMAX),
                    ((Number) state.get("nested_offset")).floatValue());
            return new Quantized4Bit(type, blocksize, shape, packed, null, nested);
        }
        return new Quantized4Bit(type, blocksize, shape, packed, src.floats(name + ABSMAX), null);
    }
}
