package dev.kiln.finetune.sft;

import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.testing.WordTokenizer;
import dev.kiln.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.kiln.finetune.sft.InstructionFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * packing: true. Segments and targets stay inside each example, and — on a rotary model, whose
 * attention depends only on relative positions — a packed batch's loss equals the token-weighted
 * per-example losses, which fails if attention leaks across example boundaries.
 */
class InstructionPackingTest {
    static final WordTokenizer WORDS = InstructionRowsTest.WORDS;
    static final int SEQ = 14;

    /** 9 examples of 4–12 tokens, a mix of prompt / completion and chat rows. */
    static Dataset data() {
        Random rng = new Random(5);
        String[] letters = {"a", "b", "c", "d", "e", "f", "g", "h"};
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            StringBuilder p = new StringBuilder("reverse"), c = new StringBuilder();
            int len = 1 + rng.nextInt(5);
            for (int k = 0; k < len; k++) p.append(' ').append(letters[rng.nextInt(8)]);
            for (int k = 0; k < 1 + rng.nextInt(4); k++) c.append(letters[rng.nextInt(8)]).append(' ');
            out.add(i % 3 == 2 ? chat("pack:" + (i + 1), "user", p.toString(), "assistant", c.toString().trim())
                    : pair("pack:" + (i + 1), p + " ->", c.toString().trim()));
        }
        return new Dataset("pack", out);
    }

    static InstructionObjective packed(TransformerConfig model) {
        return instruction(Map.of("packing", true, "chat_template", InstructionRowsTest.WORD_TEMPLATE), model, WORDS);
    }

    @Test
    void segmentsAndTargetsNeverCrossExampleBoundaries() {
        TransformerConfig gpt = TransformerConfig.gpt2(WORDS.vocabSize(), 16, 1, 2, 32);
        InstructionObjective o = packed(gpt);
        Dataset d = data();
        List<PieceEncoder.Encoded> examples = o.encode(d, SEQ);
        List<Batch> batches = o.prepare(d, new BatchSpec(3, SEQ), 4);
        Set<Integer> seen = new HashSet<>();
        int rows = 0;
        long positions = 0;
        for (Batch b : batches) {
            int[] ids = b.ints("ids").data(), targets = b.ints("targets").data(), seg = b.ints("segments").data();
            int width = b.ints("ids").dim(1);
            assertTrue(width <= SEQ);
            assertNull(b.intsOrNull("attention_mask"), "packed rows use segment ids, not an attention mask");
            for (int r = 0; r < b.ints("ids").dim(0); r++, rows++) {
                int i = 0, expectSegment = 1;
                while (i < width && seg[r * width + i] != 0) {
                    assertEquals(expectSegment, seg[r * width + i], "segments are numbered 1, 2, ... in a row");
                    int start = i;
                    while (i < width && seg[r * width + i] == expectSegment) i++;
                    int[] segIds = Arrays.copyOfRange(ids, r * width + start, r * width + i);
                    int[] segTargets = Arrays.copyOfRange(targets, r * width + start, r * width + i);
                    int match = findExample(examples, segIds, segTargets);
                    assertTrue(match >= 0, "segment " + expectSegment + " of a row is not one whole example with its own targets");
                    assertTrue(seen.add(match), "example " + match + " packed twice");
                    positions += segIds.length;
                    expectSegment++;
                }
                for (; i < width; i++) {
                    assertEquals(0, seg[r * width + i], "padding is segment 0 and only at the end");
                    assertEquals(Losses.IGNORE, targets[r * width + i]);
                    assertEquals(WORDS.requireSpecial("[PAD]"), ids[r * width + i]);
                }
            }
            assertEquals(b.tokens(), Arrays.stream(seg).filter(s -> s != 0).count());
        }
        assertEquals(examples.size(), seen.size(), "every example is packed once");
        int needed = examples.stream().mapToInt(e -> e.length() - 1).sum();
        assertEquals(needed, positions);
        assertTrue(rows < examples.size(), "short examples share rows: " + rows + " rows for " + examples.size());
        assertTrue(rows <= (needed + SEQ - 1) / SEQ + 1, "best fit decreasing: at most one row more than a perfect fill, got " + rows);
    }

    /** The example whose inputs and next-token targets (IGNORE where untrained) this segment is, or −1. */
    private static int findExample(List<PieceEncoder.Encoded> examples, int[] ids, int[] targets) {
        for (int k = 0; k < examples.size(); k++) {
            PieceEncoder.Encoded e = examples.get(k);
            if (e.length() - 1 != ids.length || !Arrays.equals(Arrays.copyOf(e.ids(), ids.length), ids)) continue;
            boolean ok = true;
            for (int i = 0; i < ids.length; i++) ok &= targets[i] == (e.trained()[i + 1] ? e.ids()[i + 1] : Losses.IGNORE);
            if (ok) return k;
        }
        return -1;
    }

    @Test
    void packedLossEqualsTheTokenWeightedPerExampleLosses() {
        TransformerConfig llama = largeWeights(TransformerConfig.llama(WORDS.vocabSize(), 16, 2, 2, 1, 32, 64));   // rotary: relative
        TransformerConfig gpt2 = largeWeights(TransformerConfig.gpt2(WORDS.vocabSize(), 16, 2, 2, 64));           // learned absolute positions
        packedLossEqualsPerExampleLosses(new NaiveBackend(), llama);
        packedLossEqualsPerExampleLosses(new CpuBackend(1), llama);   // its own attention kernel reads the segment ids too
        packedLossEqualsPerExampleLosses(new NaiveBackend(), gpt2);   // exact only because positions restart per example
    }

    /** Large weights: the output depends strongly on what each token attends to and where it sits. */
    private static TransformerConfig largeWeights(TransformerConfig l) {
        return l.toBuilder().initStd(0.5f).build();
    }

    private static void packedLossEqualsPerExampleLosses(Backend backend, TransformerConfig llama) {
        Transformer net = new Transformer(backend, llama, 3);
        net.train(false);
        Dataset d = data();
        InstructionObjective packing = packed(llama);
        InstructionObjective padding = instruction(Map.of("chat_template", InstructionRowsTest.WORD_TEMPLATE), llama, WORDS);
        try (var g = GradMode.noGrad()) {
            double sum = 0, tokens = 0;
            for (Example ex : d.examples()) {
                Batch alone = padding.prepare(new Dataset("one", List.of(ex)), new BatchSpec(1, SEQ), 1).get(0);
                var out = padding.compute(net, alone);
                sum += out.loss().item() * out.weight();
                tokens += out.weight();
            }
            double perExample = sum / tokens;

            List<Batch> all = packing.prepare(d, new BatchSpec(100, SEQ), 1);
            assertEquals(1, all.size());
            Batch packedBatch = all.get(0);
            var packedOut = packing.compute(net, packedBatch);
            assertEquals(tokens, packedOut.weight(), "same trained tokens");
            assertEquals(perExample, packedOut.loss().item(), 1e-5, backend.name() + ": packed loss vs per-example losses");

            Batch paddedBatch = padding.prepare(d, new BatchSpec(100, SEQ), 1).get(0);
            assertEquals(perExample, padding.compute(net, paddedBatch).loss().item(), 1e-5, "right-padded batch vs per-example losses");

            Batch leaking = new Batch().put("ids", packedBatch.ints("ids")).put("targets", packedBatch.ints("targets"))
                    .put("positions", packedBatch.ints("positions"));
            double leaked = packing.compute(net, leaking).loss().item();
            assertTrue(Math.abs(leaked - perExample) > 0.01,
                    "control: without segment ids examples attend to each other and the loss changes (" + leaked + " vs " + perExample + ")");
            if (llama.positions() == dev.kiln.api.nn.ModelKinds.Positions.LEARNED) {
                Batch shifted = new Batch().put("ids", packedBatch.ints("ids")).put("targets", packedBatch.ints("targets"))
                        .put("segments", packedBatch.ints("segments"));
                double unreset = packing.compute(net, shifted).loss().item();
                assertTrue(Math.abs(unreset - perExample) > 1e-3, "control: learned positions not restarted per example change the loss ("
                        + unreset + " vs " + perExample + ")");
            }
            System.out.printf("packing on %s: per-example %.6f, packed %.6f, without segment ids %.6f%n", backend.name(), perExample, packedOut.loss().item(), leaked);
        }
    }

    @Test
    void thePackingItselfDoesNotDependOnTheSeed() {
        InstructionObjective o = packed(TransformerConfig.gpt2(WORDS.vocabSize(), 16, 1, 2, 32));
        Set<String> rowsA = rows(o.prepare(data(), new BatchSpec(1, SEQ), 1)), rowsB = rows(o.prepare(data(), new BatchSpec(1, SEQ), 2));
        assertEquals(rowsA, rowsB);
    }

    private static Set<String> rows(List<Batch> batches) {
        Set<String> out = new HashSet<>();
        for (Batch b : batches) {
            IntTensor ids = b.ints("ids");
            out.add(Arrays.toString(ids.data()));
        }
        return out;
    }
}
