package dev.kiln.runtime.pipeline;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.TrainableParameters;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.nn.FrozenWeights;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.CompositeObjective;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.AdamW8bit;
import dev.kiln.api.optim.Lomo;
import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.optim.Sgd;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.io.CheckpointStore;
import dev.kiln.runtime.io.RunDirectoryLock;
import dev.kiln.runtime.metrics.MetricsLog;
import dev.kiln.runtime.metrics.TrainingMetrics;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.parallel.DataParallel;
import dev.kiln.runtime.parallel.RankCheckpointer;
import dev.kiln.runtime.parallel.ShardedOptimizer;
import dev.kiln.runtime.parallel.SharedMemoryCollective;
import dev.kiln.runtime.report.RunInfo;
import dev.kiln.runtime.report.RunReports;
import dev.kiln.runtime.train.BestModel;
import dev.kiln.runtime.train.Evaluator;
import dev.kiln.runtime.train.StoreCheckpointer;
import dev.kiln.runtime.train.TrainSettings;
import dev.kiln.runtime.train.TrainState;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.runtime.train.TrainingJob;
import dev.kiln.runtime.train.TrainingListener;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One assembled run: parameters, optimizer, checkpoints, metrics; trains, then saves {@code out/model}. */
final class TrainingRun {
    private final Backend backend;
    private final MeterRegistry registry;
    private final Transformer model;
    private final Objective objective;
    private final FineTuner tuner;
    private final Tokenizer tokenizer;
    private final PipelineInputs.Splits data;
    private final TrainSettings settings;
    private final Path out;
    private final Map<String, Object> config;
    private final java.util.function.Supplier<Map<String, Object>> resolvedConfig;
    private final Forgetting forgetting;
    private boolean reportProblemShown;

    TrainingRun(Backend backend, MeterRegistry registry, Transformer model, Objective objective, FineTuner tuner,
                Tokenizer tokenizer, PipelineInputs.Splits data, Config train, Path out, Map<String, Object> config,
                java.util.function.Supplier<Map<String, Object>> resolvedConfig, Forgetting forgetting) {
        this.backend = backend;
        this.registry = registry;
        this.model = model;
        this.objective = objective;
        this.tuner = tuner;
        this.tokenizer = tokenizer;
        this.data = data;
        this.settings = TrainSettings.fromConfig(train);
        this.out = out;
        this.config = config;
        this.resolvedConfig = resolvedConfig;
        this.forgetting = forgetting;
    }

    /** Objective heads are saved under heads.&lt;objective&gt;. (a composite's members name themselves). */
    static String headPrefix(Objective o) {
        return o instanceof CompositeObjective ? ModelStore.HEADS : ModelStore.HEADS + o.name() + ".";
    }

    /**
     * The objective's head tensors that are not tied to a backbone tensor (those are saved and optimized
     * once, with the backbone), by the names a model directory keeps them under without {@code heads.}
     * ({@code sft.classifier.weight}).
     */
    static Map<String, Tensor> heads(Objective objective, Transformer model) {
        Map<String, Tensor> heads = new LinkedHashMap<>();
        if (objective.head() == null) return heads;
        java.util.Set<Tensor> backbone = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        backbone.addAll(model.namedParameters().values());
        for (var e : objective.head().namedParameters().entrySet())
            if (!backbone.contains(e.getValue())) heads.put(headPrefix(objective).substring(ModelStore.HEADS.length()) + e.getKey(), e.getValue());
        return heads;
    }

    /** {@link #heads} less the objective's training companions (PPO's value model): what the model directory and adapter keep. */
    static Map<String, Tensor> savedHeads(Objective objective, Transformer model) {
        Map<String, Tensor> heads = heads(objective, model);
        String prefix = headPrefix(objective).substring(ModelStore.HEADS.length());
        for (String name : objective.companionParameters()) heads.remove(prefix + name);
        return heads;
    }

    PipelineResult run(TrainingListener listener) throws IOException {
        DataParallel dp = DataParallel.current();
        if (dp != null && dp.world() > 1 && dp.rank() != 0) return runFollower(dp);
        try (RunDirectoryLock lock = RunDirectoryLock.acquire(out, listener == null ? null : listener::onMessage)) {
            return runLocked(listener);
        }
    }

    private PipelineResult runLocked(TrainingListener listener) throws IOException {
        Map<String, Tensor> heads = heads(objective, model);
        Map<String, Tensor> params = trainedParameters(heads);
        Optimizer optimizer = optimizer(params);
        model.setGradientCheckpointing(settings.gradientCheckpointing());
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("objective", objective.name());
        info.put("backend", backend.name());
        StoreCheckpointer checkpointer = checkpointer();
        TrainableParameters trainable = TrainableParameters.of(model, objective.head());
        if (listener != null) listener.onMessage((tuner == null ? "" : tuner.name() + ": ") + trainable);
        Recorder rec = new Recorder(listener, fromStep -> writeInfo(trainable, fromStep, listener), () -> refreshReport(listener),
                () -> MetricsLog.firstEval(out.resolve("metrics.jsonl")));   // the whole run's first evaluation
        PeakHeap.reset();
        long t0 = System.nanoTime();
        Trainer trainer;
        try (MetricsLog log = new MetricsLog(out.resolve("metrics.jsonl"))) {
            TrainingJob job = new TrainingJob(model, objective, tuner, params, optimizer, data.train(), data.validation(),
                    settings, checkpointer, new TrainingMetrics(registry, objective.name(), backend.name()), log, rec);
            trainer = new Trainer(job);
            trainer.run();
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            FrozenWeights.widenBf16(model);   // model.frozen_dtype: bf16 → float again for merging and saving
            if (tuner != null) tuner.export(model, out);
            Map<String, Double> test = Map.of();
            if (data.test() != null) {
                test = testMetrics();
                log.write("test", rec.steps, test);
                rec.onTest(test);
            }
            Path modelDir = out.resolve("model");
            if (!objective.metadata().isEmpty()) info.put("objectives", Map.of(objective.name(), objective.metadata()));
            ModelStore.save(modelDir, model, savedHeads(objective, model), info);
            PipelineInputs.saveTokenizer(tokenizer, modelDir);
            BestModel best = trainer.best();
            Map<String, Double> finalEval = best != null && settings.best().loadBestAtEnd() && best.bestStep() >= 0 ? best.bestMetrics() : rec.last;
            Map<String, Object> report = new RunReport(objective, tuner, trainable)
                    .training(rec.steps, rec.stepsRun, trainSeconds, rec.stepsRun == 0 ? 0 : rec.tokens / Math.max(1e-9, rec.trainSeconds))
                    .selection(best, trainer.stoppedEarlyAt())
                    .evaluations(rec.first, finalEval, test)
                    .forgetting(forgetting == null ? null : forgetting.report(model))
                    .memory(PeakHeap.bytes())
                    .write(out.resolve(RunReport.FILE), (System.nanoTime() - t0) / 1e9);
            refreshReport(listener);
            return new PipelineResult(rec.first, finalEval, test, modelDir, rec.steps, rec.stepsRun, trainSeconds,
                    rec.stepsRun == 0 ? 0 : rec.tokens / Math.max(1e-9, rec.trainSeconds), report);
        }
    }

    /**
     * A data-parallel worker other than rank 0: trains in step with the others and resumes from rank 0's
     * checkpoints in the shared run directory, but writes nothing there (rank 0 writes the metrics, the
     * checkpoints, the model and the report).
     */
    private PipelineResult runFollower(DataParallel dp) {
        Map<String, Tensor> params = trainedParameters(heads(objective, model));
        Optimizer optimizer = optimizer(params);
        model.setGradientCheckpointing(settings.gradientCheckpointing());
        long t0 = System.nanoTime();
        TrainingJob job = new TrainingJob(model, objective, tuner, params, optimizer, data.train(), data.validation(),
                settings, new RankCheckpointer(checkpointer(), dp.rank()), null, null, null);
        TrainState end = new Trainer(job).run();
        if (data.test() != null && dp.replicas() != null) {   // replica 0's test evaluation needs this one's share
            FrozenWeights.widenBf16(model);   // as replica 0 does before it
            testMetrics();
        }
        return new PipelineResult(Map.of(), Map.of(), Map.of(), null, end.step(), -1, (System.nanoTime() - t0) / 1e9, 0, Map.of());
    }

    /** The test split's metrics; replicas in this JVM share its batches out, so every one of them calls this. */
    private Map<String, Double> testMetrics() {
        BatchSpec spec = new BatchSpec(settings.batchSize(), settings.seqLen());
        DataParallel dp = DataParallel.current();
        return Evaluator.evaluate(model, objective, data.test(), spec, 0, settings.seed(), dp == null ? null : dp.replicas());
    }

    /** Everything checkpointed and trained: the backbone by name, the heads under {@code heads.}. */
    private Map<String, Tensor> trainedParameters(Map<String, Tensor> heads) {
        Map<String, Tensor> params = new LinkedHashMap<>(model.namedParameters());
        heads.forEach((name, t) -> params.put(ModelStore.HEADS + name, t));
        return params;
    }

    /** The run directory's checkpoints, tagged with the objective and the pipeline config. */
    private StoreCheckpointer checkpointer() {
        return new StoreCheckpointer(new CheckpointStore(out.resolve("checkpoints"), settings.keepCheckpoints()),
                Map.of("objective", objective.name(), "pipeline", config), settings.allowConfigChange());
    }

    /** run.json for the report: what this run is, written as each session starts. */
    private void writeInfo(TrainableParameters trainable, long fromStep, TrainingListener listener) {
        try {
            RunInfo.write(out, new RunInfo.Session(config, resolvedConfig.get(), objective.name(), tuner == null ? null : tuner.name(), backend.name(),
                    trainable.trainable(), trainable.total(), trainable.percent(), fromStep, settings.steps()));
        } catch (IOException | RuntimeException e) {
            reportProblem(listener, RunInfo.class.getSimpleName(), e);
        }
    }

    /** Rewrites report.html (at each evaluation and at the end); a problem is reported once and never stops training. */
    private void refreshReport(TrainingListener listener) {
        try {
            RunReports.writeRun(out);
        } catch (IOException | RuntimeException e) {
            reportProblem(listener, RunReports.FILE, e);
        }
    }

    private void reportProblem(TrainingListener listener, String what, Exception e) {
        if (reportProblemShown || listener == null) return;
        reportProblemShown = true;
        listener.onMessage("warning: " + what + " not written (training goes on): " + e.getMessage());
    }

    private Optimizer optimizer(Map<String, Tensor> params) {
        List<ParamGroup> groups = new ArrayList<>();
        for (var e : params.entrySet()) {
            if (!e.getValue().requiresGrad()) continue;
            double wd = ParamGroup.decays(e.getKey(), e.getValue()) ? settings.weightDecay() : 0;
            groups.add(new ParamGroup(e.getKey(), e.getValue(), tuner == null ? 1.0 : tuner.learningRateScale(e.getKey()), wd));
        }
        if (groups.isEmpty()) throw new IllegalStateException("nothing to train: every parameter is frozen");
        DataParallel dp = DataParallel.current();
        SharedMemoryCollective replicas = dp == null ? null : dp.replicas();
        // replicas in this JVM: each updates its share of the parameters (ZeRO-1); LOMO updates in backward, and the trainer refuses it
        if (replicas != null && !settings.optimizer().equals("lomo")) return new ShardedOptimizer(groups, replicas, this::optimizer);
        return optimizer(groups);
    }

    private Optimizer optimizer(List<ParamGroup> groups) {
        return switch (settings.optimizer()) {
            case "sgd" -> new Sgd(groups, settings.momentum());
            case "lomo" -> new Lomo(groups);
            case "adamw8bit" -> new AdamW8bit(groups, settings.beta1(), settings.beta2(), settings.eps());
            default -> new AdamW(groups, settings.beta1(), settings.beta2(), settings.eps());
        };
    }

    /** Remembers the first and last evaluation and the throughput, forwards everything, and keeps run.json and report.html current. */
    private static final class Recorder implements TrainingListener {
        private final TrainingListener next;
        private final java.util.function.LongConsumer started;
        private final Runnable evaluated;
        Map<String, Double> first = Map.of(), last = Map.of();
        long steps, stepsRun, tokens;
        private final java.util.concurrent.Callable<Map<String, Double>> firstOfRun;
        double trainSeconds;

        /**
         * @param started    called with the first step of this session; evaluated then and after each evaluation is logged
         * @param firstOfRun the run's first evaluation, read back when this session resumes the run
         */
        Recorder(TrainingListener next, java.util.function.LongConsumer started, Runnable evaluated,
                 java.util.concurrent.Callable<Map<String, Double>> firstOfRun) {
            this.next = next == null ? TrainingListener.NONE : next;
            this.started = started;
            this.evaluated = evaluated;
            this.firstOfRun = firstOfRun;
        }

        @Override public void onStart(long fromStep, long totalSteps) {
            if (fromStep > 0) {
                try {
                    first = firstOfRun.call();
                } catch (Exception e) {
                    next.onMessage("warning: the run's first evaluation could not be read back (" + e.getMessage() + "); 'before' is this session's");
                }
            }
            started.accept(fromStep);
            evaluated.run();
            next.onStart(fromStep, totalSteps);
        }

        @Override public void onStep(StepReport r) {
            steps = r.step();
            stepsRun++;
            tokens += r.tokens();
            trainSeconds += r.stepSeconds();
            next.onStep(r);
        }

        @Override public void onEval(long step, Map<String, Double> metrics) {
            if (first.isEmpty()) first = metrics;
            last = metrics;
            next.onEval(step, metrics);
            evaluated.run();
        }

        @Override public void onCheckpoint(long step, Path dir) { next.onCheckpoint(step, dir); }

        @Override public void onEnd(long step) { steps = step; next.onEnd(step); }

        @Override public void onMessage(String line) { next.onMessage(line); }

        void onTest(Map<String, Double> metrics) { next.onMessage("test split: " + metrics); }
    }
}
