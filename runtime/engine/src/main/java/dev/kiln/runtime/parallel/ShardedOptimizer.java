package dev.kiln.runtime.parallel;

import dev.kiln.api.backend.HeapStorage;
import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.optim.UpdatesInBackward;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.runtime.train.GradientClipping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * ZeRO stage 1 for replicas in one JVM ({@link Replicas}), as PyTorch's {@code ZeroRedundancyOptimizer} partitions it:
 * each parameter belongs to one replica (largest first, to the replica with the fewest elements so far), which alone
 * receives its summed gradient, holds its optimizer state and updates it; the others then copy the new weights from
 * it. Every replica ends the step with the same bits as unsharded replicas, each doing 1 / R of the update's work and
 * holding 1 / R of the state.
 *
 * <p>A step: {@link DataParallel#sumStep} with {@link #ownerOf} sums each gradient into its owner only; {@link #normalizeAndClip} scales and clips the
 * owned gradients by the global norm (each replica measures its own, the norm adds them in parameter order as an
 * unsharded clip does); {@link #step} updates the owned parameters, waits for every replica, and copies the rest.
 * {@link #state} on any replica gathers every replica's state into the unsharded layout, so a checkpoint resumes with
 * or without replicas.
 */
public final class ShardedOptimizer implements Optimizer {
    private final SharedMemoryCollective collective;
    private final List<ParamGroup> groups;
    private final int[] owner;                      // [group]: the rank that updates it
    private final Map<Tensor, Integer> index = new IdentityHashMap<>();
    private final List<Tensor> owned = new ArrayList<>();
    private final Optimizer own;                    // over the owned groups only
    private final double[] squares;                 // [group]: this replica's gradient sum of squares for its own
    private final ShardedOptimizer[] peers;         // [rank]

    /** One replica's shard; every replica constructs its own at the same point, with the same groups in the same order. */
    public ShardedOptimizer(List<ParamGroup> groups, SharedMemoryCollective collective, Function<List<ParamGroup>, Optimizer> optimizer) {
        this.collective = collective;
        this.groups = List.copyOf(groups);
        this.owner = partition(this.groups, collective.world());
        List<ParamGroup> mine = new ArrayList<>();
        for (int i = 0; i < this.groups.size(); i++) {
            ParamGroup g = this.groups.get(i);
            if (!(g.param().storage() instanceof HeapStorage))
                throw new IllegalArgumentException("a sharded optimizer copies weights between replicas in host memory: parameter '"
                        + g.name() + "' is not on the heap (use the cpu backend)");
            index.put(g.param(), i);
            if (owner[i] == collective.rank()) {
                mine.add(g);
                owned.add(g.param());
            }
        }
        this.own = optimizer.apply(mine);
        if (own instanceof UpdatesInBackward)
            throw new IllegalArgumentException("optimizer " + own.name() + " updates the weights during backward, before the replicas'"
                    + " gradients could be summed: it cannot be sharded");
        this.squares = new double[this.groups.size()];
        Object[] all = collective.allGather(this);
        this.peers = new ShardedOptimizer[all.length];
        for (int r = 0; r < all.length; r++) peers[r] = (ShardedOptimizer) all[r];
    }

    /** Largest first, each to the rank with the fewest elements so far (the lowest rank on a tie). */
    static int[] partition(List<ParamGroup> groups, int world) {
        Integer[] order = new Integer[groups.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Long.compare(groups.get(b).param().size(), groups.get(a).param().size()));  // stable
        long[] load = new long[world];
        int[] owner = new int[groups.size()];
        for (int i : order) {
            int least = 0;
            for (int r = 1; r < world; r++) if (load[r] < load[least]) least = r;
            owner[i] = least;
            load[least] += groups.get(i).param().size();
        }
        return owner;
    }

    /** The replica that updates this parameter (and receives its summed gradient); -1 for one not optimized. */
    public int ownerOf(Tensor param) {
        Integer i = index.get(param);
        return i == null ? -1 : owner[i];
    }

    /** The parameters this replica updates: the only ones whose gradient here is the replicas' sum. */
    public List<Tensor> ownParameters() { return owned; }

    /**
     * Multiplies the owned gradients by {@code factor} (1 / the summed weights), then clips them by the global norm when
     * {@code maxNorm} > 0 ({@link GradientClipping#clip}); returns the norm before clipping, the same on every replica.
     * Once a step, between the gradient sum and {@link #step}.
     */
    public double normalizeAndClip(float factor, double maxNorm) {
        if (factor != 1f) GradientClipping.scaleAll(owned, factor);
        for (int i = 0; i < groups.size(); i++) {
            Tensor p = groups.get(i).param();
            squares[i] = owner[i] == collective.rank() && p.hasGrad() ? p.backend().sumOfSquares(p.gradForAccumulation(), p.size()) : 0;
        }
        collective.barrier();
        double sq = 0;
        // in parameter order, as one replica adds them; a replica measures its squares again only after the next gradient
        // sum, which this one joins once it has added these
        for (int i = 0; i < groups.size(); i++) sq += peers[owner[i]].squares[i];
        double norm = Math.sqrt(sq);
        float scale = GradientClipping.scale(norm, maxNorm);
        if (scale != 1f) GradientClipping.scaleAll(owned, scale);
        return norm;
    }

    @Override
    public String name() { return own.name(); }

    /** Updates the owned parameters, then copies every other one from its owner once all have updated theirs. */
    @Override
    public void step(double learningRate) {
        own.step(learningRate);
        collective.barrier();
        // an owner writes its weights again only in the next step, after a gradient sum this replica must join first
        for (int i = 0; i < groups.size(); i++) {
            if (owner[i] == collective.rank()) continue;
            float[] from = ((HeapStorage) peers[owner[i]].groups.get(i).param().storage()).data;
            float[] to = ((HeapStorage) groups.get(i).param().storage()).data;
            System.arraycopy(from, 0, to, 0, to.length);
        }
    }

    @Override
    public long steps() { return own.steps(); }

    /** This replica's share: about 1 / R of the unsharded state. */
    @Override
    public long stateBytes() { return own.stateBytes(); }

    /**
     * Every replica's state, in the unsharded optimizer's names. Call it between steps (a checkpoint): the other
     * replicas' arrays are read as they stand, and they change only in the next {@link #step}.
     */
    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (ShardedOptimizer peer : peers) out.putAll(peer.own.state());
        return out;
    }

    /** Restores this replica's share of an unsharded (or gathered) state. */
    @Override
    public void load(Map<String, float[]> state, long steps) { own.load(state, steps); }
}
