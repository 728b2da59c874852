package dev.kiln.runtime.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Training meters on an injected registry (never the global one), HikariCP style: name
 * constants, bounded tags (objective, backend), doubles held for gauges.
 */
public final class TrainingMetrics {
    public static final String TRAIN_LOSS = "kiln.train.loss";
    public static final String TRAIN_TOKENS = "kiln.train.tokens";
    public static final String TRAIN_STEP = "kiln.train.step";
    public static final String TRAIN_LR = "kiln.train.lr";
    public static final String TRAIN_GRAD_NORM = "kiln.train.grad.norm";
    public static final String TRAIN_TOKENS_PER_SECOND = "kiln.train.tokens.per.second";
    public static final String EVAL_PREFIX = "kiln.eval.";

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter tokens;
    private final Timer step;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

    public TrainingMetrics(MeterRegistry registry, String objective, String backend) {
        this.registry = registry;
        this.tags = Tags.of("objective", objective, "backend", backend);
        this.tokens = Counter.builder(TRAIN_TOKENS).description("tokens trained on").baseUnit("tokens").tags(tags).register(registry);
        this.step = Timer.builder(TRAIN_STEP).description("one optimizer step: forward, backward, update").tags(tags).register(registry);
    }

    public void step(long nanos, long stepTokens, double loss, double lr, double gradNorm, double tokensPerSecond) {
        step.record(nanos, TimeUnit.NANOSECONDS);
        tokens.increment(stepTokens);
        set(TRAIN_LOSS, loss);
        set(TRAIN_LR, lr);
        set(TRAIN_GRAD_NORM, gradNorm);
        set(TRAIN_TOKENS_PER_SECOND, tokensPerSecond);
    }

    /** Eval metrics become gauges kiln.eval.&lt;metric&gt; (metric names are the objective's, a bounded set). */
    public void eval(Map<String, Double> metrics) {
        for (var e : metrics.entrySet()) set(EVAL_PREFIX + e.getKey(), e.getValue());
    }

    private void set(String name, double value) {
        gauges.computeIfAbsent(name, n -> {
            AtomicLong holder = new AtomicLong();
            Gauge.builder(n, holder, h -> Double.longBitsToDouble(h.get())).tags(tags).register(registry);
            return holder;
        }).set(Double.doubleToRawLongBits(value));
    }

    public MeterRegistry registry() { return registry; }
}
