package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.PeftNames;
import java.util.Arrays;
import java.util.List;

/**
 * One Kiln LoRA layer built from the adapters of the HF modules it fuses (q, k, v into qkv; or a
 * single module). Each piece j adds s_j·B_j·A_j to its own output rows. With one shared A the
 * layer is A and the B_j's stacked by rows (rank r). Otherwise the A's are stacked
 * ([A_1; A_2; ...], rank Σr_j) and B is block-diagonal: piece j's rows use only its own columns.
 * Either way s·B·A equals the pieces' sum exactly: each B_j is scaled by s_j / s, which is 1
 * when the pieces share the config's alpha and rank.
 */
record FusedLora(int rank, double scaling, float[] a, float[] b) {

    /** An HF module's adapter: A [rank, in], B [part rows, rank] and its scaling. */
    record Piece(PeftNames.Part part, int rank, float[] a, float[] b, double scaling) {}

    static FusedLora of(List<Piece> pieces, double scaling, int in, int out) {
        Piece first = pieces.get(0);
        boolean sharedA = pieces.stream().allMatch(p -> p.rank() == first.rank() && Arrays.equals(p.a(), first.a()));
        int rank = sharedA ? first.rank() : pieces.stream().mapToInt(Piece::rank).sum();
        float[] a = new float[rank * in], b = new float[out * rank];                    // [rank, in], [out, rank]
        int column = 0;
        for (Piece p : pieces) {
            if (!sharedA || p == first) System.arraycopy(p.a(), 0, a, column * in, p.rank() * in);
            float factor = (float) (p.scaling() / scaling);
            for (int o = 0; o < p.part().rows(); o++)
                for (int c = 0; c < p.rank(); c++)
                    b[(p.part().rowStart() + o) * rank + column + c] = p.b()[o * p.rank() + c] * factor;
            if (!sharedA) column += p.rank();
        }
        return new FusedLora(rank, scaling, a, b);
    }
}
