package dev.kiln.runtime.report;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which logged fields get which chart. Train records: {@code loss} (with the evaluation loss),
 * {@code lr}, {@code grad_norm}, {@code tokens_per_s}, {@code heap_mib} and {@code rss_mib}
 * (memory); every other numeric field, the objective's own metrics of the step's batches
 * ({@code accuracy}, {@code mlm.loss}; an alignment signal's rewards, KL, margins), a chart of its own. Evaluation records: every metric but {@code loss} a chart of its own, per
 * objective member as the objective names them ({@code mlm.accuracy}, {@code nsp.accuracy},
 * {@code perplexity}); confusion-matrix cells only in the tables.
 */
final class MetricNames {
    static final String LOSS = "loss";
    static final String LR = "lr";
    static final String GRAD_NORM = "grad_norm";
    static final String TOKENS_PER_S = "tokens_per_s";
    static final String HEAP = "heap_mib";
    static final String RSS = "rss_mib";
    private static final Set<String> STANDARD = Set.of(LOSS, LR, GRAD_NORM, TOKENS_PER_S, HEAP, RSS, "tokens");
    private static final Map<String, String[]> TITLES = Map.of(
            LR, new String[] {"learning rate", ""},
            GRAD_NORM, new String[] {"gradient norm (before clipping)", ""},
            TOKENS_PER_S, new String[] {"throughput", "tokens/s"});

    private MetricNames() {}

    /** Train fields without a standard chart: each gets one. */
    static Set<String> extraTrainKeys(Set<String> keys) {
        Set<String> out = new LinkedHashSet<>();
        for (String k : keys) if (!STANDARD.contains(k) && !k.startsWith("confusion.")) out.add(k);
        return out;
    }

    /** Evaluation metrics charted one per chart. */
    static Set<String> evalChartKeys(Set<String> keys) {
        Set<String> out = new LinkedHashSet<>();
        for (String k : keys) if (!k.equals(LOSS) && !k.startsWith("confusion.")) out.add(k);
        return out;
    }

    static String title(String trainKey) {
        String[] t = TITLES.get(trainKey);
        return t == null ? trainKey : t[0];
    }

    static String unit(String trainKey) {
        String[] t = TITLES.get(trainKey);
        return t == null ? "" : t[1];
    }

    /** An id fit for an HTML id and a data attribute. */
    static String id(String name) {
        return name.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
