package dev.kiln.runtime.hf;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.Block;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.quant.FourBitType;
import dev.kiln.api.quant.Quantized4Bit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A Hugging Face checkpoint loads block by block: each block is handed to the hook with its checkpoint
 * weights already in and before any later block exists, so a hook that stores it in 4 bits (QLoRA) keeps
 * one block's floats alive at a time; the result equals loading whole and quantizing afterwards.
 */
class HfStreamingLoadTest {
    private final NaiveBackend be = new NaiveBackend();

    @TempDir
    Path tmp;

    @Test
    void eachBlockArrivesLoadedAndAloneAndQuantizesAsAfterAWholeLoad() throws Exception {
        TransformerConfig cfg = TransformerConfig.llama(50, 64, 3, 4, 2, 96, 32);
        Transformer source = new Transformer(be, cfg, 11);
        Path dir = tmp.resolve("llama");
        HfCheckpoints.save(source, dir, "LlamaForCausalLM");
        Map<String, dev.kiln.api.tensor.Tensor> want = source.namedParameters();

        List<Integer> floatBlocksWhenHanded = new ArrayList<>();
        List<Block> handed = new ArrayList<>();
        HfModel streamed = HfCheckpoints.load(dir, be, block -> {
            int i = handed.size();
            block.namedParameters().forEach((name, p) ->
                    assertArrayEquals(want.get("blocks." + i + "." + name).toArray(), p.toArray(), "block " + i + " " + name + " is loaded"));
            int floats = 0;
            for (Block b : handed) if (hasFloatLinear(b)) floats++;
            floatBlocksWhenHanded.add(floats);
            handed.add(block);
            quantize(block);
        });
        assertEquals(cfg.layers(), handed.size());
        assertEquals(List.of(0, 0, 0), floatBlocksWhenHanded, "earlier blocks are already 4-bit when the next one is handed over");
        for (int i = 0; i < cfg.layers(); i++) assertSame(handed.get(i), streamed.model().blocks().get(i));

        HfModel whole = HfCheckpoints.load(dir, be);
        for (Block b : whole.model().blocks()) quantize(b);
        Map<String, Module> a = streamed.model().namedModules(), b = whole.model().namedModules();
        int linears = 0;
        for (var e : a.entrySet()) {
            if (!(e.getValue() instanceof Linear la)) continue;
            Quantized4Bit qa = la.quantizedWeight(), qb = ((Linear) b.get(e.getKey())).quantizedWeight();
            assertNotNull(qa, e.getKey());
            assertArrayEquals(qb.packed(), qa.packed(), e.getKey());
            assertArrayEquals(qb.dequantize(), qa.dequantize(), e.getKey());
            linears++;
        }
        assertEquals(b.values().stream().filter(m -> m instanceof Linear).count(), linears, "every linear compared");
        assertTrue(linears >= cfg.layers() * 4, "attention and MLP linears in every block: " + linears);
        Map<String, dev.kiln.api.tensor.Tensor> rest = streamed.model().namedParameters();
        for (String name : List.of("embed.tokens.weight", "norm_f.weight"))
            assertArrayEquals(want.get(name).toArray(), rest.get(name).toArray(), name);
    }

    private static boolean hasFloatLinear(Block b) {
        for (Module m : b.namedModules().values()) if (m instanceof Linear l && !l.isQuantized()) return true;
        return false;
    }

    private static void quantize(Block block) {
        for (Module m : block.namedModules().values()) if (m instanceof Linear l) l.quantize(FourBitType.NF4, 64, true);
    }
}
