package dev.kiln.finetune.sft;

import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.data.Batch;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.TreeMap;

/**
 * The encoded examples of one batch → that batch. An example of n tokens occupies n − 1
 * positions: inputs tokens [0, n − 1), targets tokens [1, n), a target being
 * {@link Losses#IGNORE} where its token is not trained. So no target ever comes from another
 * example. Which examples make a batch is decided elsewhere ({@link InstructionObjective#batches},
 * {@link PackedEpoch}); everything here reads only the batch's own examples.
 *
 * <ul>
 *   <li><b>Padded</b> (default): one example per row, rows right-padded with [PAD] (id 0 when the
 *       tokenizer has none) to the batch's longest; keys {@code ids}, {@code targets},
 *       {@code attention_mask} [B, L] (1 = real token; padding targets are IGNORE).</li>
 *   <li><b>Packed</b> ({@code packing: true}): the batch's examples are placed into rows of at
 *       most T positions best-fit-decreasing (TRL's {@code bfd} strategy: longest first, each into
 *       the fullest row it still fits); within a row each example is a segment, numbered 1, 2,
 *       ...; padding is segment 0. Keys {@code ids}, {@code targets}, {@code segments} [R, L];
 *       attention stays within a segment ({@code ModelInput.withSegments}), so padding needs no
 *       attention mask and an example sees only itself.</li>
 * </ul>
 * {@link Batch#tokens()} counts real input positions.
 *
 * <p>Positions restart at 0 for every packed example ({@code positions} [R, L], fed as
 * {@code ModelInput.withPositions}, like TRL's position_ids), so under learned or sinusoidal
 * positions, as under rotary ones, a packed example computes exactly what it computes alone.
 */
final class InstructionBatches {
    private InstructionBatches() {}

    /** One example per row, in the given order. */
    static Batch padded(List<PieceEncoder.Encoded> examples, int pad) {
        List<List<PieceEncoder.Encoded>> rows = new ArrayList<>(examples.size());
        for (PieceEncoder.Encoded e : examples) rows.add(List.of(e));
        return batch(rows, pad, false);
    }

    /** The examples packed into rows of at most {@code seqLen} positions (best fit decreasing), one row per batch row. */
    static Batch packed(List<PieceEncoder.Encoded> examples, int seqLen, int pad) {
        return batch(bestFitDecreasing(examples, seqLen), pad, true);
    }

    /** Rows of at most {@code seqLen} positions; ties in length keep the given order, so the result depends only on it. */
    static List<List<PieceEncoder.Encoded>> bestFitDecreasing(List<PieceEncoder.Encoded> examples, int seqLen) {
        Integer[] order = new Integer[examples.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> examples.get(b).length() - examples.get(a).length());   // stable: ties keep the given order
        List<List<PieceEncoder.Encoded>> rows = new ArrayList<>();
        TreeMap<Integer, Deque<Integer>> byFree = new TreeMap<>();                             // free positions → rows
        for (int i : order) {
            PieceEncoder.Encoded e = examples.get(i);
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
        return rows;
    }

    private static Batch batch(List<List<PieceEncoder.Encoded>> rows, int pad, boolean segments) {
        int b = rows.size(), width = 1;
        for (List<PieceEncoder.Encoded> row : rows) width = Math.max(width, positions(row));
        int[] ids = new int[b * width], targets = new int[b * width], extra = new int[b * width], pos = new int[b * width];
        Arrays.fill(ids, pad);
        Arrays.fill(targets, Losses.IGNORE);
        long real = 0;
        for (int r = 0; r < b; r++) {
            int o = r * width, segment = 0;
            for (PieceEncoder.Encoded e : rows.get(r)) {
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

    private static int positions(List<PieceEncoder.Encoded> row) {
        int n = 0;
        for (PieceEncoder.Encoded e : row) n += e.length() - 1;
        return n;
    }
}
