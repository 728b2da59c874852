package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.quant.FourBitType;
import dev.kiln.api.tensor.IntTensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The block hook of the Transformer constructor: called once per block, in order, while the next block
 * does not exist yet; compressing each block there gives the model that compressing the finished model gives.
 */
class BlockHookTest {
    static final NaiveBackend BE = new NaiveBackend();
    static final TransformerConfig LLAMA = TransformerConfig.llama(50, 32, 3, 4, 2, 48, 16);

    static void quantize(Module m) {
        for (Module child : m.namedModules().values()) if (child instanceof Linear l) l.quantize(FourBitType.NF4, 64, true);
    }

    static float[] forward(Transformer net) {
        try (var g = GradMode.noGrad()) {
            return net.forward(ModelInput.of(new IntTensor(new int[] {3, 14, 15, 9, 26, 5}, 1, 6))).toArray();
        }
    }

    @Test
    void compressingEachBlockAsItIsBuiltEqualsCompressingTheFinishedModel() {
        List<Integer> seen = new ArrayList<>();
        List<Block> built = new ArrayList<>();
        Transformer hooked = new Transformer(BE, LLAMA, 21, block -> {
            built.add(block);
            seen.add(built.size());
            quantize(block);
        });
        Transformer plain = new Transformer(BE, LLAMA, 21);
        float[] floatOut = forward(plain);
        quantize(plain);
        assertEquals(List.of(1, 2, 3), seen, "once per block, in order");
        assertEquals(hooked.blocks(), built);
        assertArrayEquals(forward(plain), forward(hooked), "the same weights, the same 4-bit codes");
        assertFalse(java.util.Arrays.equals(floatOut, forward(hooked)), "4 bits change the output (the hook did quantize)");
        assertEquals(plain.parameterCount(), hooked.parameterCount());
    }
}
