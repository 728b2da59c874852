package dev.kiln.objective.contrastive;

import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.util.List;

import static dev.kiln.api.ops.Activations.square;

/** The similarity losses over pooled embeddings, and the distances they use. */
final class ContrastiveLosses {
    private ContrastiveLosses() {}

    /**
     * InfoNCE with in-batch negatives (sentence-transformers' MultipleNegativesRankingLoss, SimCSE):
     * logits[i, j] = cos(a_i, c_j) / τ over candidates c = positives (then hard negatives), and
     * cross-entropy with target i. a: [B, C], positives: [B, C], negatives: [B, C] or null → [1]
     */
    static Tensor infoNce(Tensor a, Tensor positives, Tensor negatives, float temperature) {
        Tensor cands = negatives == null ? positives : Shapes.concat(0, List.of(positives, negatives));   // [M, C]
        Tensor sim = MatMul.matmul(Pooling.normalize(a), Pooling.normalize(cands), false, true);          // [B, M]
        Tensor logits = Arithmetic.mulScalar(sim, 1f / temperature);
        int b = a.dim(0);
        int[] targets = new int[b];
        for (int i = 0; i < b; i++) targets[i] = i;
        return Losses.crossEntropy(logits, new IntTensor(targets, b));
    }

    /** The seed's triplet loss, mean over the batch: max(0, d(a, p) − d(a, n) + α). a, p, n: [B, C] → [1] */
    static Tensor triplet(Tensor a, Tensor p, Tensor n, String distance, float margin) {
        Tensor ap = distance(a, p, distance), an = distance(a, n, distance);     // [B]
        return Reductions.mean(Activations.relu(Arithmetic.addScalar(Arithmetic.sub(ap, an), margin)));
    }

    /** Row-wise distance: euclidean sqrt(‖x − y‖² + ε) or cosine 1 − cos(x, y). x, y: [B, C] → [B] */
    static Tensor distance(Tensor x, Tensor y, String kind) {
        if (kind.equals("cosine")) return Arithmetic.addScalar(Arithmetic.mulScalar(Losses.cosineSimilarity(x, y, 1, 1e-8f), -1f), 1f);
        return Activations.sqrt(Arithmetic.addScalar(Reductions.sum(square(Arithmetic.sub(x, y)), 1, false), 1e-12f));
    }
}
