package dev.kiln.runtime.train;

import dev.kiln.api.backend.CounterRng;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.StepWorkers;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.optim.UpdatesInBackward;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.runtime.metrics.MetricsLog;
import dev.kiln.runtime.metrics.ProcessMemory;
import dev.kiln.runtime.metrics.TrainingMetrics;
import dev.kiln.runtime.parallel.DataParallel;
import dev.kiln.runtime.parallel.ShardedOptimizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The training loop: batches → loss → backward → clip → optimizer step, with eval and checkpoints. */
public final class Trainer {
    /** Confusion-matrix cells of a classification batch: evaluation material, not logged per step. */
    private static final String CONFUSION = "confusion.";
    private final TrainingJob job;
    private final TrainSettings s;
    private final BestModel best;
    private Batches epochBatches;
    private long lastCheckpoint = -1;
    private final LossSpikes spikes;
    private final PrefetchedBatches loader = new PrefetchedBatches();
    private long preparedEpoch = -1;
    private long stoppedEarlyAt = -1;
    private long stateBytes;
    private final DataParallel parallel;
    private List<Map<String, Object>> workers;   // this step's per-worker throughput (data-parallel runs)
    private StopRequest.Request agreedStop;         // data-parallel: the stop the workers agreed on in the last step's sum

    public Trainer(TrainingJob job) {
        this.job = job;
        DataParallel dp = DataParallel.current();
        this.parallel = dp != null && dp.world() > 1 ? dp : null;
        this.s = job.settings();
        this.spikes = new LossSpikes(s.lossSpikeFactor());
        boolean writes = parallel == null || parallel.rank() == 0;   // other data-parallel workers keep their best copy in memory
        this.best = s.best().tracking() && job.validation() != null
                ? new BestModel(s.best(), job.checkpointer() == null || !writes ? null : job.checkpointer().directory().resolve(BestModel.FILE)) : null;
    }

    /** The model selection of this run, or null when it tracks none (no validation data, or not asked). */
    public BestModel best() { return best; }

    /** Bytes of optimizer state (moments, momentum; 0 for LOMO), as logged with each train record. */
    public long optimizerStateBytes() { return stateBytes; }

    /** The step at which early stopping ended the run, or -1. */
    public long stoppedEarlyAt() { return stoppedEarlyAt; }

    /** Trains from the latest checkpoint (or from scratch) to {@code settings.steps}; returns the final state. */
    public TrainState run() {
        Optimizer opt = job.optimizer();
        UpdatesInBackward fused = opt instanceof UpdatesInBackward u ? u : null;   // LOMO: no gradients to clip after backward
        if (fused != null && parallel != null)
            throw new IllegalArgumentException("optimizer " + s.optimizer() + " updates the weights during backward, before the workers'"
                    + " gradients could be summed: data-parallel training needs another optimizer (adamw, sgd, adafactor, ...)");
        stateBytes = opt.stateBytes();
        Map<String, Tensor> params = job.parameters();
        TrainState st = job.checkpointer() == null ? TrainState.start(s.seed())
                : job.checkpointer().restoreLatest(params, opt).orElse(TrainState.start(s.seed()));
        if (best != null) best.resume(params);
        // what an interrupted run logged past its checkpoint, or past step 0 when it left none (a restarted Spark stage)
        if (job.log() != null) for (String note : job.log().resumeAt(st.step())) job.listener().onMessage(note);
        lastCheckpoint = st.step() > 0 ? st.step() : -1;
        StopRequest.started();
        try {
            return train(st, params, opt, fused);
        } finally {
            StopRequest.ended();
        }
    }

    private TrainState train(TrainState st, Map<String, Tensor> params, Optimizer opt, UpdatesInBackward fused) {
        ShardedOptimizer sharded = parallel != null && opt instanceof ShardedOptimizer so ? so : null;   // ZeRO-1 replicas
        job.listener().onStart(st.step(), s.steps());
        if (s.evalEvery() > 0) evaluate(st.step());        // the 'before' of this session, fresh or resumed
        while (st.step() < s.steps()) {
            StopRequest.Request stopRequest = parallel == null ? StopRequest.pending() : agreedStop;
            if (stopRequest != null) throw interrupted(stopRequest, st, params, opt);
            long t0 = System.nanoTime(), tokens = 0;
            double lr = s.learningRate(st.step()), loss = 0;
            Map<String, Double> batchMetrics = new LinkedHashMap<>();
            for (Tensor p : params.values()) p.zeroGrad();
            long dropoutSeed = CounterRng.mix(st.seed() ^ st.step());
            job.model().setDropoutSeed(dropoutSeed);
            double weights = 0;
            boolean weighted = s.gradAccum() > 1 || parallel != null;
            for (int micro = 0; micro < s.gradAccum(); micro++) {
                Batch batch = batch(st);
                if (fused != null) arm(fused, batch, lr, dropoutSeed, st.step());
                st = advance(st);
                Objective.Output out = computeStep(batch);
                Tensor total = withRegularizer(out.loss());
                double value = total.item();
                if (!Double.isFinite(value)) throw diverged(st.step(), "loss is " + value);
                // one micro-batch: its mean loss as is; several: each weighted by what it counts for (target tokens,
                // examples), the gradients divided by the sum below, as transformers' num_items_in_batch does
                // (a data-parallel worker's padding share, a repeat of another's example, counts for nothing)
                double w = batch.padding() ? 0 : !weighted ? 1 : Math.max(out.weight(), 0);
                if (parallel != null && micro == s.gradAccum() - 1) parallel.overlapBackward(params.values());
                if (!weighted) total.backward();
                else Arithmetic.mulScalar(total, (float) w).backward();
                weights += w;
                loss += value * w;
                tokens += batch.tokens();
                for (var m : out.metrics().entrySet())
                    if (m.getValue() != null && !m.getKey().startsWith(CONFUSION)) batchMetrics.merge(m.getKey(), m.getValue() * w, Double::sum);
            }
            double metricWeights = weights;
            if (parallel != null) {   // workers count as micro-batches: sum gradients, weights and weighted losses over them
                StopRequest.Request seen = StopRequest.pending();
                DataParallel.StopVote vote = seen == null ? DataParallel.StopVote.NONE
                        : seen.checkpoint() ? DataParallel.StopVote.STOP_AFTER_CHECKPOINT : DataParallel.StopVote.STOP;
                DataParallel.StepSums sums = parallel.sumStep(params.values(), weights, loss, tokens, (System.nanoTime() - t0) / 1e9, vote,
                        sharded == null ? null : sharded::ownerOf);
                // every worker stops before the next step when one was asked to; worker 0 saves the checkpoint if any asked for one
                if (sums.stop()) agreedStop = seen != null ? seen : StopRequest.onBehalfOfAnotherWorker(sums.checkpointOnStop());
                weights = sums.weights();
                loss = sums.loss();
                tokens = sums.tokens();
                workers = sums.workers();
                if (parallel.sumMetrics(batchMetrics)) metricWeights = weights;   // else the objective's other metrics stay this worker's own
            }
            if (!(weights > 0)) throw new IllegalStateException("step " + (st.step() + 1) + ": the " + s.gradAccum()
                    + " micro-batches hold nothing to train on (objective '" + job.objective().name() + "' gave weight 0)");
            if (weights != 1) {
                if (sharded == null) GradientClipping.scaleAll(params.values(), (float) (1 / weights));
                loss /= weights;
            }
            if (metricWeights != 1) for (var m : batchMetrics.entrySet()) m.setValue(m.getValue() / metricWeights);
            double norm = fused != null ? fused.gradNorm()
                    : sharded != null ? sharded.normalizeAndClip((float) (1 / weights), s.gradClip())   // each replica its own gradients
                    : GradientClipping.clip(params.values(), s.gradClip());
            if (!Double.isFinite(norm)) throw diverged(st.step(), "gradient norm is " + norm);
            opt.step(lr);
            st = new TrainState(st.step() + 1, st.epoch(), st.batchInEpoch(), st.seed());
            spikes.observe(loss);
            report(st.step(), loss, lr, norm, tokens, System.nanoTime() - t0, batchMetrics);
            boolean stop = false;
            if (s.evalEvery() > 0 && (st.step() % s.evalEvery() == 0 || st.step() == s.steps())) stop = select(st.step(), evaluate(st.step()));
            if (job.checkpointer() != null && (st.step() == s.steps() || stop
                    || s.checkpointEvery() > 0 && st.step() % s.checkpointEvery() == 0))
                checkpoint(st, params, opt);
            if (stop) {
                stoppedEarlyAt = st.step();
                break;
            }
        }
        if (best != null && s.best().loadBestAtEnd() && best.restore(params)) {
            if (job.log() != null) job.log().write("best", best.bestStep(), new LinkedHashMap<>(best.bestMetrics()));
            job.listener().onMessage("loaded the best model: step " + best.bestStep() + ", validation " + s.best().metric() + " = " + best.bestValue());
        }
        loader.close();
        job.listener().onEnd(st.step());
        return st;
    }

    /**
     * LOMO's step set-up. With grad_clip, LOMO's two passes: a first forward + backward only measures the
     * global gradient norm (each gradient dropped as it completes), then the update pass is armed with the
     * clipping factor and replays the first pass's dropout masks, so it sees the same gradients.
     */
    private void arm(UpdatesInBackward fused, Batch batch, double lr, long dropoutSeed, long step) {
        float scale = 1f;
        if (s.gradClip() > 0) {
            fused.beginNormPass();
            withRegularizer(computeStep(batch).loss()).backward();
            double norm = fused.gradNorm();
            if (!Double.isFinite(norm)) throw diverged(step, "gradient norm is " + norm);
            scale = GradientClipping.scale(norm, s.gradClip());
            job.model().setDropoutSeed(dropoutSeed);
        }
        fused.beginStep(lr, scale);
    }

    /** A training micro-batch's compute; with workers, its batch-wide statistics may be summed over them ({@link StepWorkers}). */
    private Objective.Output computeStep(Batch batch) {
        if (parallel == null) return job.objective().compute(job.model(), batch);
        return StepWorkers.during(parallel.stepWorkers(), () -> batch.padding()
                ? StepWorkers.asPadding(() -> job.objective().compute(job.model(), batch))
                : job.objective().compute(job.model(), batch));
    }

    /** Model selection after an evaluation; true when early stopping says stop. */
    private boolean select(long step, Map<String, Double> metrics) {
        if (best == null) return false;
        best.observe(step, metrics, job.parameters());
        if (!best.shouldStop()) return false;
        if (job.log() != null) job.log().write("early_stop", step, Map.of(
                "metric", s.best().metric(), "best_step", best.bestStep(), "best_value", best.bestValue(),
                "evals_without_improvement", best.evalsWithoutImprovement()));
        job.listener().onMessage("early stopping at step " + step + ": validation " + s.best().metric() + " has not improved for "
                + best.evalsWithoutImprovement() + " evaluations (best " + best.bestValue() + " at step " + best.bestStep() + ")");
        return true;
    }

    /** Held-out metrics over the first eval_batches batches of the validation split. */
    public Map<String, Double> evaluate(long step) {
        if (job.validation() == null) return Map.of();
        loader.settle();                                   // the objective makes no batch in the background meanwhile
        BatchSpec spec = new BatchSpec(s.batchSize(), s.seqLen());
        // replicas in this JVM share the batches out (each would take R times a team's time on its 1 / R of the cores)
        Map<String, Double> m = Evaluator.evaluate(job.model(), job.objective(), job.validation(), spec, s.evalBatches(), s.seed(),
                parallel == null ? null : parallel.replicas());
        if (job.metrics() != null) job.metrics().eval(m);
        if (job.log() != null) job.log().write("eval", step, m);
        job.listener().onEval(step, m);
        return m;
    }

    private Batch batch(TrainState st) {
        if (preparedEpoch != st.epoch()) {
            epochBatches = job.objective().batches(job.train(), new BatchSpec(s.batchSize(), s.seqLen(), s.groupByLength()), st.seed() + st.epoch());
            if (epochBatches.isEmpty()) throw new IllegalStateException("objective '" + job.objective().name()
                    + "' made no batches from " + job.train().name() + ": too little data for batch_size × seq_len?");
            if (parallel != null) epochBatches = parallel.shard(epochBatches);   // this worker's rows of each global batch
            preparedEpoch = st.epoch();
        }
        return loader.get(epochBatches, st.batchInEpoch());
    }

    private TrainState advance(TrainState st) {
        long next = st.batchInEpoch() + 1;
        return next < epochBatches.size() ? new TrainState(st.step(), st.epoch(), next, st.seed())
                : new TrainState(st.step(), st.epoch() + 1, 0, st.seed());
    }

    private Tensor withRegularizer(Tensor loss) {
        FineTuner tuner = job.fineTuner();
        Tensor reg = tuner == null ? null : tuner.regularizer(job.model());
        return reg == null ? loss : Arithmetic.add(loss, reg);
    }

    /** @param batchMetrics the objective's metrics of this step's batches, averaged (e.g. accuracy, mlm.loss; a preference signal's rewards) */
    private void report(long step, double loss, double lr, double norm, long tokens, long nanos, Map<String, Double> batchMetrics) {
        double tps = tokens / (nanos / 1e9);
        TrainingMetrics m = job.metrics();
        if (m != null) m.step(nanos, tokens, loss, lr, norm, tps);
        MetricsLog log = job.log();
        if (log != null && (step % Math.max(1, s.logEvery()) == 0 || step == s.steps())) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("loss", loss);
            v.put("lr", lr);
            v.put("grad_norm", norm);
            v.put("tokens", tokens);
            v.put("tokens_per_s", tps);
            v.put("optimizer_state_bytes", stateBytes);
            v.put("heap_mib", ProcessMemory.heapMib());
            double rss = ProcessMemory.rssMib();
            if (Double.isFinite(rss)) v.put("rss_mib", rss);
            for (var e : batchMetrics.entrySet()) v.putIfAbsent(e.getKey(), e.getValue());
            if (workers != null) v.put("workers", workers);
            log.write("train", step, v);
        }
        job.listener().onStep(new TrainingListener.StepReport(step, s.steps(), loss, lr, norm, tokens, tps, nanos / 1e9));
    }

    private void checkpoint(TrainState st, Map<String, Tensor> params, Optimizer opt) {
        job.listener().onCheckpoint(st.step(), job.checkpointer().save(st, params, opt));
        lastCheckpoint = st.step();
        if (spikes.sane()) job.checkpointer().markGood(st.step());
    }

    /** Stops at this step boundary for a SIGTERM / SIGINT, with a checkpoint first when asked and configured. */
    private TrainingInterruptedException interrupted(StopRequest.Request r, TrainState st, Map<String, Tensor> params, Optimizer opt) {
        try {
            boolean save = r.checkpoint() && s.checkpointOnInterrupt() && job.checkpointer() != null && st.step() > 0 && st.step() != lastCheckpoint;
            if (save) checkpoint(st, params, opt);
            loader.close();
            String where = save ? "saved a checkpoint at step " + st.step()
                    : lastCheckpoint > 0 ? "the last checkpoint is step " + lastCheckpoint : "no checkpoint yet";
            return new TrainingInterruptedException(r.reason(), "interrupted by " + r.reason() + " at step " + st.step() + "; " + where
                    + (lastCheckpoint > 0 ? "; resume with the same --out" : ""));
        } finally {
            StopRequest.handled(r);
        }
    }

    private TrainingDivergedException diverged(long step, String what) {
        long good = job.checkpointer() == null ? -1 : job.checkpointer().lastGood();
        String kept = good < 0 ? "No checkpoint was saved while the loss was sane."
                : "The last checkpoint saved while the loss was sane is " + job.checkpointer().directory().resolve(String.format(java.util.Locale.ROOT, "step-%06d", good))
                + (lastCheckpoint > good ? " (newer ones may hold blown-up weights: delete them to resume from it)" : "") + ".";
        return new TrainingDivergedException("training diverged at step " + (step + 1) + ": " + what
                + ". Stopped without saving. " + kept + " Try a lower lr or grad_clip:"
                + " resume with --allow-config-change (e.g. train.lr=...), or start over with another --out.");
    }
}
