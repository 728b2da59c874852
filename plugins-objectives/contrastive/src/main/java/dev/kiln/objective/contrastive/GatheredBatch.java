package dev.kiln.objective.contrastive;

import dev.kiln.api.data.Batch;
import dev.kiln.api.objective.StepWorkers;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Embedding;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.util.List;

/**
 * A data-parallel worker's embeddings placed among every worker's, so in-batch negatives span the whole global
 * batch as in plain training (open_clip's gathered features, sentence-transformers' gathered embeddings): the
 * workers sum a zero-filled [K·B, C] buffer into which each wrote its own rows ({@link StepWorkers}), and the
 * worker's rows in the result are its own tensors, so backward reaches them from every anchor's loss, remote
 * anchors included. Each worker then computes the whole batch's loss; its gradient is that loss's gradient
 * through its own rows, and the workers' sum of those is the loss's gradient, which {@link #asWorkersShare}
 * turns into a share the trainer's weighted sum adds up to.
 *
 * @param embeddings [K·B, C] every worker's rows in the whole batch's order, this worker's carrying gradients
 * @param values     the same values on the host (for the retrieval metric)
 */
record GatheredBatch(Tensor embeddings, float[] values, int examples, int own) {

    /** The whole batch of a worker's {@code emb} [K·b, C] laid out by blocks of b (its examples, positions[i] in the whole batch). */
    static GatheredBatch of(Tensor emb, Batch batch, int k) {
        int[] positions = batch.ints("positions").data();
        int b = positions.length, whole = batch.ints("examples").get(0), c = emb.dim(1);
        float[] mine = emb.toArray(), all = new float[k * whole * c];
        for (int j = 0; j < k; j++)
            for (int i = 0; i < b; i++) System.arraycopy(mine, (j * b + i) * c, all, (j * whole + positions[i]) * c, c);
        StepWorkers.sum(all);                                          // a padding worker adds zeros: its row is another's
        int[] pick = new int[k * whole];                               // row of [own rows; all rows] for each whole-batch row
        for (int r = 0; r < pick.length; r++) pick[r] = k * b + r;
        for (int j = 0; j < k; j++)
            for (int i = 0; i < b; i++) pick[j * whole + positions[i]] = j * b + i;
        Tensor table = Shapes.concat(0, List.of(emb, Tensor.of(emb.backend(), all, k * whole, c)));   // [K·b + K·B, C]
        return new GatheredBatch(Embedding.lookup(table, new IntTensor(pick, k * whole)), all, whole, b);
    }

    /**
     * The whole batch's {@code loss} as this worker's share: its value unchanged, its gradient scaled by B / b, so
     * that the trainer's sum over workers, weighted by their b examples and divided by B, is the loss's gradient.
     */
    Tensor asWorkersShare(Tensor loss) {
        float scale = (float) examples / own, value = loss.item();
        return Arithmetic.addScalar(Arithmetic.mulScalar(loss, scale), value - scale * value);
    }
}
