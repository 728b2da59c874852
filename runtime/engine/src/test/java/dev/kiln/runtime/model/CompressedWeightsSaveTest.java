package dev.kiln.runtime.model;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.quant.FourBitType;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A model whose linears are stored compressed (4-bit, with a low-rank update merged in) saves as a plain
 * float model: each compressed weight is decoded while it is written, and the directory loads back with
 * those floats.
 */
class CompressedWeightsSaveTest {
    private final NaiveBackend be = new NaiveBackend();

    @Test
    void compressedLinearsAreWrittenAsTheirDecodedFloats(@TempDir Path tmp) throws Exception {
        Transformer m = new Transformer(be, TransformerConfig.llama(40, 32, 2, 4, 2, 48, 16), 3);
        Random rng = new Random(9);
        int merged = 0;
        for (Module mod : m.namedModules().values()) {
            if (!(mod instanceof Linear l)) continue;
            for (Tensor p : l.parameters()) p.requiresGrad(false);
            l.quantize(FourBitType.NF4, 64, true);
            if (merged++ % 2 == 0) {
                float[] a = new float[2 * l.inFeatures()], b = new float[l.outFeatures() * 2];
                for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
                for (int i = 0; i < b.length; i++) b[i] = (float) rng.nextGaussian();
                l.mergeLowRank(a, b, 2, 0.5);
            }
        }
        Path dir = tmp.resolve("model");
        ModelStore.save(dir, m, Map.of(), Map.of());
        Transformer back = ModelStore.load(dir, be).model();
        Map<String, Module> saved = m.namedModules();
        Map<String, Tensor> loaded = back.namedParameters();
        int linears = 0;
        for (var e : saved.entrySet()) {
            if (!(e.getValue() instanceof Linear l)) continue;
            assertArrayEquals(l.frozenWeight().dequantize(), loaded.get(e.getKey() + ".weight").toArray(), e.getKey());
            linears++;
        }
        assertTrue(linears >= 8, "every block's linears: " + linears);
        for (var e : m.namedParameters().entrySet())
            assertArrayEquals(e.getValue().toArray(), loaded.get(e.getKey()).toArray(), e.getKey());
    }
}
