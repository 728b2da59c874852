package dev.kiln.finetune.sft;

import dev.kiln.api.data.Batch;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * Encoded examples → batches. An example of n tokens occupies n − 1 positions: inputs tokens
 * [0, n − 1), targets tokens [1, n), a target being {@link Losses#IGNORE} where its token is not
 * trained. So no target ever comes from another example.
 *
 * <ul>
 *   <li><b>Padded</b> (default): one example per row, rows right-padded with [PAD] (id 0 when the
 *       tokenizer has none) to the batch's longest; keys {@code ids}, {@code targets},
 *       {@code attention_mask} [B, L] (1 = real token; padding targets are IGNORE).</li>
 *   <li><b>Packed</b> ({@code packing: true}): examples are placed into rows of at most T
 *       positions best-fit-decreasing (TRL's {@code bfd} strategy: longest first, each into the
 *       fullest row it still fits); within a row each example is a segment, numbered 1, 2, ...;
 *       padding is segment 0. Keys {@code ids}, {@code targets}, {@code segments} [B, L];
 *       attention stays within a segment ({@code ModelInput.withSegments}), so padding needs no
 *       attention mask and an example sees only itself.</li>
 * </ul>
 * Row order is shuffled with the epoch seed when asked (the packing itself does not depend on
 * it); {@link Batch#tokens()} counts real input positions.
 *
 * <p>Positions restart at 0 for every packed example ({@code positions} [B, L], fed as
 * {@code ModelInput.withPositions}, like TRL's position_ids), so under learned or sinusoidal
 * positions, as under rotary ones, a packed example computes exactly what it computes alone.
 */
final class InstructionBatches {
    private InstructionBatches() {}

    /** One example per row. */
    static List<Batch> padded(List<InstructionEncoder.Encoded> examples, int batchSize, int pad, boolean shuffle, long seed) {
        List<List<InstructionEncoder.Encoded>> rows = new ArrayList<>();
        for (InstructionEncoder.Encoded e : examples) rows.add(List.of(e));
        return batches(rows, batchSize, pad, false, shuffle, seed);
    }

    /** Several examples per row of at most {@code seqLen} positions, best fit decreasing. */
    static List<Batch> packed(List<InstructionEncoder.Encoded> examples, int seqLen, int batchSize, int pad, boolean shuffle, long seed) {
        Integer[] order = new Integer[examples.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> examples.get(b).length() - examples.get(a).length());   // stable: ties keep data order
        List<List<InstructionEncoder.Encoded>> rows = new ArrayList<>();
        TreeMap<Integer, Deque<Integer>> byFree = new TreeMap<>();                             // free positions → rows
        for (int i : order) {
            InstructionEncoder.Encoded e = examples.get(i);
            int need = e.length() - 1;
            Integer free = byFree.ceilingKey(need);
            int row;
            if (free == null) {
                row = rows.size();
                rows.add(new ArrayList<>());
                free = seqLen;
            } else {
                row = byFree.get(free).pollFirst();
                if (byFree.get(free).isEmpty()) byFree.remove(free);
            }
            rows.get(row).add(e);
            byFree.computeIfAbsent(free - need, k -> new ArrayDeque<>()).addLast(row);
        }
        return batches(rows, batchSize, pad, true, shuffle, seed);
    }

    private static List<Batch> batches(List<List<InstructionEncoder.Encoded>> rows, int batchSize, int pad,
                                       boolean segments, boolean shuffle, long seed) {
        if (shuffle) Collections.shuffle(rows, new Random(seed));
        List<Batch> out = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += batchSize)
            out.add(batch(rows.subList(from, Math.min(rows.size(), from + batchSize)), pad, segments));
        return out;
    }

    private static Batch batch(List<List<InstructionEncoder.Encoded>> rows, int pad, boolean segments) {
        int b = rows.size(), width = 1;
        for (List<InstructionEncoder.Encoded> row : rows) width = Math.max(width, positions(row));
        int[] ids = new int[b * width], targets = new int[b * width], extra = new int[b * width], pos = new int[b * width];
        Arrays.fill(ids, pad);
        Arrays.fill(targets, Losses.IGNORE);
        long real = 0;
        for (int r = 0; r < b; r++) {
            int o = r * width, segment = 0;
            for (InstructionEncoder.Encoded e : rows.get(r)) {
                segment++;
                int n = e.length() - 1;
                System.arraycopy(e.ids(), 0, ids, o, n);
                for (int i = 0; i < n; i++) {
                    if (e.trained()[i + 1]) targets[o + i] = e.ids()[i + 1];
                    extra[o + i] = segments ? segment : 1;
                    pos[o + i] = i;
                }
                o += n;
                real += n;
            }
        }
        Batch batch = new Batch()
                .put("ids", new IntTensor(ids, b, width))                                   // [B, L] then [PAD]s
                .put("targets", new IntTensor(targets, b, width))                           // [B, L] next token or IGNORE
                .put(segments ? "segments" : "attention_mask", new IntTensor(extra, b, width)) // [B, L] segment ids (0 = padding) | 1 = real
                .tokens(real);
        if (segments) batch.put("positions", new IntTensor(pos, b, width));                 // [B, L] each example from 0
        return batch;
    }

    private static int positions(List<InstructionEncoder.Encoded> row) {
        int n = 0;
        for (InstructionEncoder.Encoded e : row) n += e.length() - 1;
        return n;
    }
}
