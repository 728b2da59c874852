package dev.kiln.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import dev.kiln.api.config.Config;
import dev.kiln.runtime.config.PipelineConfigLoader;
import dev.kiln.runtime.generate.Generation;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.SamplingSettings;
import dev.kiln.runtime.guice.BackendSelection;
import dev.kiln.runtime.guice.KilnBinders;
import dev.kiln.runtime.metrics.MetricsLog;
import dev.kiln.runtime.metrics.PrometheusEndpoint;
import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.report.RunLog;
import dev.kiln.runtime.report.RunReports;
import dev.kiln.runtime.train.TrainingListener;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * What {@code kiln pretrain} and {@code kiln finetune} share: load the config (with key=value
 * overrides), wire the backend and plugins, run the pipeline with a progress bar on stderr, then
 * print the held-out metrics before → after and, when the config has a {@code generate} section,
 * a sample from the trained model.
 */
abstract class TrainingCommand implements Callable<Integer> {
    @ParentCommand
    KilnCli root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "Pipeline config, YAML (.yaml/.yml) or JSON (.json). Relative paths in it are resolved against its directory.")
    Path config;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR",
            description = "Where the trained model, checkpoints, metrics and report.html go (default: runs/<config file name>).")
    Path out;

    @Option(names = "--allow-config-change",
            description = "Resume from --out's checkpoints even though the config differs from theirs (train.allow_config_change=true).")
    boolean allowConfigChange;

    @Option(names = "--no-sample", description = "Skip the sample the config's 'generate' section asks for.")
    boolean noSample;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = {"Serve Kiln's meters (kiln.train.*, kiln.eval.*, JVM and process) for Prometheus at"
                    + " http://127.0.0.1:PORT/metrics while the command runs (0: any free port, printed at the start)."})
    Integer metricsPort;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = {"Train data-parallel on Apache Spark (e.g. local[2] on this machine, spark://host:7077): one barrier"
                    + " task per worker, gradients summed over a TCP ring; train.batch_size is the global batch. The run"
                    + " directory and the data must be at the same path on every worker. Needs runtime/spark (./kiln adds it)."})
    String spark;

    @Option(names = "--workers", paramLabel = "N", description = "Spark workers (barrier tasks) with --spark (default: 2).")
    Integer workers;

    @Option(names = "--replicas", paramLabel = "R",
            description = {"Train R data-parallel replicas in this JVM (the cpu backend): each its own model and cores / R threads,",
                    "B / R rows of every global batch (train.batch_size), gradients summed in shared memory; replica 0 writes --out."})
    int replicas = 1;

    @Parameters(paramLabel = "KEY=VALUE", arity = "0..*",
            description = {"Config overrides, applied after the file is read: a dotted key path and a value",
                    "(e.g. train.steps=200 train.lr=3e-4 model.layers=4 seed=7)."})
    List<String> overrides = new ArrayList<>();

    /** Runs the pipeline variant. */
    abstract PipelineResult run(Pipeline pipeline, Map<String, Object> config, Path configDir, Path outDir,
                                TrainingListener listener) throws IOException;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut(), stderr = spec.commandLine().getErr();
        List<String> all = new ArrayList<>(overrides);
        if (allowConfigChange) all.add("train.allow_config_change=true");
        Map<String, Object> cfg = PipelineConfigLoader.load(config, all);
        Path outDir = out != null ? out : Path.of("runs", stem(config));
        Path configDir = config.toAbsolutePath().getParent();
        Object backendKey = cfg.get("backend");
        if (spark != null && replicas != 1) throw new IllegalArgumentException("--replicas trains in this JVM, --spark on Spark workers; pick one");
        if (spark != null) {   // the workers get the name the usual precedence picks: flag, KILN_BACKEND, config
            String env = root.env().get(BackendSelection.ENV_VAR);
            String backend = root.backend != null ? root.backend : env != null && !env.isBlank() ? env
                    : backendKey == null ? null : backendKey.toString();
            return SparkRun.train(spark, workers == null ? 2 : workers, spec.name(), cfg, configDir, outDir, root.pluginPath(),
                    backend, stdout, stderr);
        }
        if (workers != null) throw new IllegalArgumentException("--workers needs --spark MASTER");
        if (replicas < 1) throw new IllegalArgumentException("--replicas must be at least 1, got " + replicas);
        String configBackend = backendKey == null ? null : backendKey.toString();
        Map<String, Object> backendConfig = replicas == 1 ? Map.of() : Map.of("threads", ReplicatedTraining.threadsPerReplica(replicas));
        try (PrometheusEndpoint prometheus = metricsPort == null ? null : PrometheusEndpoint.start(metricsPort);
             Session session = Session.open(root, configBackend, backendConfig, WriterStream.of(stderr), prometheusModule(prometheus))) {
            if (replicas == 1) session.backend();
            else ReplicatedTraining.checkBackend(session);
            stderr.println("kiln " + spec.name() + ": " + config + " → " + outDir + " (backend " + session.backendDescription()
                    + (replicas == 1 ? "" : "; " + replicas + " replicas") + ")");
            stderr.println("report: " + outDir.resolve(RunReports.FILE) + " (rewritten at each evaluation: reload it to watch the run)");
            if (prometheus != null) stderr.println("metrics for Prometheus at " + prometheus.url());
            stderr.flush();
            Activity.set("reading the data and building the model (data.train: " + dataTrain(cfg)
                    + "; a corpus larger than memory needs `kiln prepare` first)");
            ProgressBar bar = new ProgressBar(stderr, Terminal.isInteractive(), logEvery(cfg));
            PipelineResult r = replicas == 1 ? run(session.get(Pipeline.class), cfg, configDir, outDir, bar)
                    : ReplicatedTraining.train(replicas, root, configBackend, session, cfg, bar,
                            (pipeline, own, listener) -> run(pipeline, own, configDir, outDir, listener));
            printSummary(stdout, r);
            if (!noSample && cfg.get("generate") instanceof Map<?, ?> g && !g.isEmpty()) sample(stdout, session, r, g, outDir);
            printReportPath(stdout, stderr, outDir);
        }
        return 0;
    }

    private static Object dataTrain(Map<String, Object> cfg) {
        return cfg.get("data") instanceof Map<?, ?> d ? d.get("train") : null;
    }

    /** Refreshes report.html (now with the sample) and says where it is; a failure here is a warning, the run is done. */
    private static void printReportPath(PrintWriter stdout, PrintWriter stderr, Path outDir) {
        try {
            stdout.println("report: " + RunReports.writeRun(outDir) + " (numbers in " + outDir.resolve("report.json") + ")");
        } catch (IOException | RuntimeException e) {
            stderr.println("warning: " + outDir.resolve(RunReports.FILE) + " not written: " + Errors.describe(e));
        }
        stdout.flush();
        stderr.flush();
    }

    /** Binds the Prometheus registry as Kiln's meter registry; no module without --metrics-port. */
    private static Module[] prometheusModule(PrometheusEndpoint prometheus) {
        if (prometheus == null) return new Module[0];
        return new Module[] {new AbstractModule() {
            @Override
            protected void configure() {
                KilnBinders.meterRegistry(binder()).setBinding().toInstance(prometheus.registry());
            }
        }};
    }

    static void printSummary(PrintWriter out, PipelineResult r) {
        Set<String> keys = new LinkedHashSet<>();
        if (r.finalEval().containsKey("perplexity")) keys.add("perplexity");
        keys.addAll(r.finalEval().keySet());
        for (String k : keys) {
            Double before = r.initialEval() == null ? null : r.initialEval().get(k);
            double after = r.finalEval().get(k);
            out.println("held-out " + k + ": " + (before == null ? "" : Format.metric(before) + " → ") + Format.metric(after));
        }
        if (keys.isEmpty()) out.println("held-out metrics: none (no validation data, or too little for one batch)");
        if (r.report().get("model_selection") instanceof Map<?, ?> sel && Boolean.TRUE.equals(sel.get("loaded_best_at_end")))
            out.println("(validation 'after' is the best evaluation, step " + sel.get("best_step") + ", by " + sel.get("metric") + ")");
        for (var e : r.testEval().entrySet()) out.println("test " + e.getKey() + ": " + Format.metric(e.getValue()));
        if (r.report().get("forgetting") instanceof Map<?, ?> f && f.get("before") instanceof Map<?, ?> before && f.get("after") instanceof Map<?, ?> after)
            for (Object k : after.keySet())
                if (before.get(k) instanceof Double b && after.get(k) instanceof Double a)
                    out.println("forgetting (" + f.get("objective") + ") " + k + ": " + Format.metric(b) + " → " + Format.metric(a));
        if (r.stepsRun() == 0)
            out.println("nothing left to train: the run is already at step " + r.steps() + " (raise train.steps, or use a new --out); model in " + r.modelDir());
        else
            out.println("trained " + r.stepsRun() + " steps" + (r.stepsRun() < r.steps() ? " (resumed; now at step " + r.steps() + ")" : "")
                    + " in " + Format.duration(r.seconds()) + " (" + Format.thousands(r.tokensPerSecond()) + " tok/s); model saved to " + r.modelDir());
        out.flush();
    }

    /** Samples from the trained model as the config's generate section says; the sample goes to the run's log for the report. */
    private void sample(PrintWriter out, Session session, PipelineResult r, Map<?, ?> section, Path outDir) throws IOException {
        Path modelDir = r.modelDir();
        @SuppressWarnings("unchecked")
        Config c = new Config("generate", (Map<String, ?>) section);
        String prompt = c.getString("prompt", "");
        SamplingSettings settings = SamplingSettings.fromConfig(c);
        c.finish();
        ModelFiles m = ModelFiles.load(modelDir, session.backend(), spec.commandLine().getErr());
        out.println();
        out.println("sample (" + GenerateCommand.describe(settings) + "):");
        out.print(prompt);
        out.flush();
        Generation g = new Generator(m.model(), m.tokenizer()).generate(prompt, settings, piece -> {
            out.print(piece);
            out.flush();
        });
        out.println();
        out.flush();
        try (MetricsLog log = new MetricsLog(outDir.resolve(RunLog.METRICS))) {
            Map<String, Object> record = new java.util.LinkedHashMap<>();
            record.put("prompt", prompt);
            record.put("text", g.text());
            record.put("settings", GenerateCommand.describe(settings));
            log.write("sample", r.steps(), record);
        }
        spec.commandLine().getErr().println("(" + g.tokens().length + " tokens, " + g.reason().name().toLowerCase(java.util.Locale.ROOT)
                + ", " + Format.thousands(g.tokensPerSecond()) + " tok/s)");
    }

    static int logEvery(Map<String, Object> cfg) {
        if (cfg.get("train") instanceof Map<?, ?> train && train.get("log_every") != null) {
            try {
                return Math.max(1, (int) Double.parseDouble(train.get("log_every").toString()));
            } catch (NumberFormatException e) {
                return 10; // the pipeline reports the bad value with its key
            }
        }
        return 10;
    }

    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
