package dev.kiln.finetune.sft;

import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.data.Permutation;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One epoch of packed instruction batches ({@code packing: true}), made on demand: a batch is
 * packed from a fixed window of examples, so it needs only those examples, nothing is tokenized
 * for the whole dataset, and batch i can be made alone (exact resume). The rule, for n examples,
 * B = batch_size and T = sequence length:
 *
 * <ol>
 *   <li><b>Window size</b> W = max(B, ⌊B·s / r⌋): s ≤ {@value #SAMPLE} examples are read at
 *       evenly spaced dataset indices ⌊j·n / s⌋ and packed best-fit-decreasing into r rows of T,
 *       so s / r is how many examples share a row and a window fills about B rows. W depends only
 *       on the data, T and B.</li>
 *   <li><b>Windows</b>: the examples are laid out in one fixed order, a {@link Permutation} of
 *       [0, n) seeded with the run's seed ({@code ObjectiveContext.seed}), or file order with
 *       {@code shuffle: false}, and cut into c = ⌈n / W⌉ windows of balanced size: window w is
 *       positions [⌊w·n / c⌋, ⌊(w + 1)·n / c⌋) of that order (no tiny last window). Its examples
 *       are packed best-fit-decreasing into rows of at most T positions
 *       ({@link InstructionBatches#packed}). So which examples share a row depends on the data, T,
 *       B and the run seed, never on the epoch seed, as with corpus-wide packing.</li>
 *   <li><b>Epoch order</b>: batch i is window π(i), π a {@link Permutation} of the c windows
 *       seeded with the epoch seed (identity with {@code shuffle: false}).</li>
 * </ol>
 * A batch holds the rows of one window: about B of them, at most W when a window's examples are
 * longer than the sample's. Packing per window instead of over the whole corpus costs some
 * padding: a window's last rows can be partly filled where corpus-wide packing would have filled
 * them from other windows.
 */
final class PackedEpoch {
    /** Examples read to estimate how many share a row. */
    static final int SAMPLE = 64;

    private PackedEpoch() {}

    /**
     * @param encode       one example → its tokens, truncated to seqLen + 1 (throws on a bad row)
     * @param packingSeed  the run's seed: fixes which examples share a window
     * @param epochSeed    the epoch's seed: the order of the windows
     */
    static Batches of(Dataset data, int batchSize, int seqLen, int pad, boolean shuffle, long packingSeed, long epochSeed,
                      Function<Example, PieceEncoder.Encoded> encode) {
        List<Example> examples = data.examples();
        int n = examples.size();
        if (n == 0) return Batches.of(List.of());
        int window = window(examples, batchSize, seqLen, encode);
        long windows = (n + (long) window - 1) / window;
        Permutation layout = shuffle ? new Permutation(n, packingSeed) : null;
        Permutation visit = shuffle ? new Permutation(windows, epochSeed) : null;
        return Batches.lazy(windows, i -> {
            long w = visit == null ? i : visit.apply(i);
            long from = w * n / windows, to = (w + 1) * n / windows;          // balanced: sizes differ by at most one
            List<PieceEncoder.Encoded> members = new ArrayList<>((int) (to - from));
            for (long p = from; p < to; p++) {
                long at = layout == null ? p : layout.apply(p);
                members.add(encode.apply(examples.get(Math.toIntExact(at))));
            }
            return InstructionBatches.packed(members, seqLen, pad);                // [R, L] keys, R ≈ B rows
        });
    }

    /** W = max(B, ⌊B·s / r⌋): B times the examples per row when a sample of s ≤ {@value #SAMPLE} examples packs into r rows. */
    static int window(List<Example> examples, int batchSize, int seqLen, Function<Example, PieceEncoder.Encoded> encode) {
        int n = examples.size(), s = Math.min(n, SAMPLE);
        List<PieceEncoder.Encoded> sample = new ArrayList<>(s);
        for (int j = 0; j < s; j++) sample.add(encode.apply(examples.get((int) ((long) j * n / s))));
        int rows = InstructionBatches.bestFitDecreasing(sample, seqLen).size();
        return (int) Math.min(Integer.MAX_VALUE, Math.max(batchSize, (long) batchSize * s / rows));
    }
}
