package dev.kiln.runtime.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.kiln.runtime.report.Html.esc;
import static dev.kiln.runtime.report.RunLog.section;

/**
 * report.html of one run: a header (status, objective, method, backend, versions, wall time,
 * throughput, memory, trainable share), the final metrics (validation before / after, test,
 * model selection, forgetting), the curves, the generated samples and the whole config.
 */
final class RunPage {
    /** TensorBoard's default smoothing weight. */
    static final double SMOOTHING = 0.6;
    static final String BEST_COLOR = "#2ca02c", STOP_COLOR = "#d62728";

    private RunPage() {}

    static String render(RunLog run) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>").append(esc(run.name())).append(" ").append(status(run)).append("</h1>\n<p class=\"sub\">")
                .append(esc(run.dir().toAbsolutePath().normalize())).append("</p>\n");
        b.append(Html.cards(cards(run)));
        b.append(versions(run));
        b.append("<h2>Final metrics</h2>\n").append(finalMetrics(run)).append(selection(run)).append(forgetting(run));
        b.append("<h2>Curves</h2>\n<div class=\"charts\">\n");
        for (LineChart c : charts(run)) b.append(c.html());
        b.append("</div>\n");
        b.append(samples(run));
        b.append("<h2>Config</h2>\n").append(ConfigTable.html(section(run.info(), "resolved_config"), section(run.info(), "config")));
        return Html.page(run.name() + " · Kiln run report", b.toString());
    }

    static String status(RunLog run) {
        long stop = run.earlyStopStep();
        if (run.finished() && stop >= 0) return "<span class=\"status stopped\" data-status=\"stopped-early\">stopped early at step " + stop + "</span>";
        if (run.finished()) return "<span class=\"status finished\" data-status=\"finished\">finished</span>";
        long total = run.totalSteps();
        return "<span class=\"status\" data-status=\"running\">running: step " + run.lastStep() + (total > 0 ? " of " + total : "") + "</span>";
    }

    private static Map<String, String> cards(RunLog run) {
        Map<String, Object> info = run.info(), report = run.report();
        Map<String, String> c = new LinkedHashMap<>();
        c.put("objective", esc(info.getOrDefault("objective", report.getOrDefault("objective", "–"))));
        Object method = info.getOrDefault("method", report.get("method"));
        if (method != null) c.put("method", esc(method));
        c.put("backend", esc(info.getOrDefault("backend", "–")));
        long total = run.totalSteps();
        c.put("steps", Html.count(run.lastStep()) + (total > 0 ? " / " + Html.count(total) : ""));
        c.put("wall time", Html.duration(run.wallSeconds()));
        double tps = report.get("tokens_per_second") instanceof Number n ? n.doubleValue() : run.train(MetricNames.TOKENS_PER_S).last();
        c.put("tokens/s", Html.count(tps));
        double heap = report.get("peak_heap_mib") instanceof Number n ? n.doubleValue() : run.train(MetricNames.HEAP).max();
        if (Double.isFinite(heap)) c.put("peak heap", Html.count(heap) + " MiB");
        double rss = run.train(MetricNames.RSS).max();
        if (Double.isFinite(rss)) c.put("peak RSS", Html.count(rss) + " MiB");
        Map<String, Object> params = section(info, "parameters").isEmpty() ? section(report, "parameters") : section(info, "parameters");
        if (params.get("trainable") instanceof Number t && params.get("total") instanceof Number all)
            c.put("trainable parameters", share(t.longValue(), all.longValue()));
        return c;
    }

    /** "65,538 / 1,900,000 (3.45%)" with a bar whose data attributes carry the numbers. */
    static String share(long trainable, long total) {
        double pct = total == 0 ? 0 : 100.0 * trainable / total;
        return Html.count(trainable) + " / " + Html.count(total) + " (" + String.format(java.util.Locale.ROOT, "%.2f", pct) + "%)<br>"
                + "<svg class=\"share\" viewBox=\"0 0 260 14\" xmlns=\"http://www.w3.org/2000/svg\" data-chart=\"trainable-share\" data-trainable=\""
                + trainable + "\" data-total=\"" + total + "\" data-percent=\"" + Html.data(pct) + "\"><rect width=\"260\" height=\"14\" fill=\"#e8e8e8\"/>"
                + "<rect width=\"" + String.format(java.util.Locale.ROOT, "%.2f", 2.6 * pct) + "\" height=\"14\" fill=\"#1f77b4\"/></svg>";
    }

    private static String versions(RunLog run) {
        Map<String, Object> v = section(run.info(), "versions");
        if (v.isEmpty()) return "";
        StringBuilder b = new StringBuilder("<p class=\"sub\" data-versions>");
        String sep = "";
        for (var e : v.entrySet()) {
            b.append(sep).append(esc(e.getKey())).append(" ").append(esc(e.getValue()));
            sep = " · ";
        }
        if (run.info().get("sessions") instanceof List<?> sessions && !sessions.isEmpty()) {
            b.append(sep).append("started ").append(esc(castMap(sessions.get(0)).getOrDefault("started", "?")));
            if (sessions.size() > 1) b.append(" · resumed ").append(sessions.size() - 1).append("×");
        }
        return b.append("</p>\n").toString();
    }

    /** Metric | validation before | validation after | test. */
    private static String finalMetrics(RunLog run) {
        Map<String, Double> before = run.firstEval(), after = run.finalEval(), test = run.test();
        Set<String> keys = new LinkedHashSet<>(after.keySet());
        keys.addAll(before.keySet());
        keys.addAll(test.keySet());
        if (keys.isEmpty()) return "<p>No evaluation yet (the config has no validation data, or none has run).</p>\n";
        StringBuilder b = new StringBuilder("<table data-table=\"final-metrics\"><tr><th>metric</th><th>validation before</th><th>validation after</th><th>test</th></tr>\n");
        for (String k : keys)
            b.append("<tr data-metric=\"").append(esc(k)).append("\"><td>").append(esc(k)).append("</td>").append(cell(before.get(k)))
                    .append(cell(after.get(k))).append(cell(test.get(k))).append("</tr>\n");
        return b.append("</table>\n").toString();
    }

    static String cell(Double v) {
        return v == null ? "<td class=\"num\">–</td>" : "<td class=\"num\" data-value=\"" + Html.data(v) + "\">" + Html.metric(v) + "</td>";
    }

    private static String selection(RunLog run) {
        long best = run.bestStep(), stop = run.earlyStopStep();
        if (best < 0 && stop < 0) return "";
        Map<String, Object> sel = section(run.report(), "model_selection");
        StringBuilder b = new StringBuilder("<p data-selection data-best-step=\"").append(best).append("\" data-early-stop=\"").append(stop).append("\">");
        String metric = run.selectionMetric();
        if (best >= 0) b.append("Best model: step ").append(best).append(metric == null ? "" : " by validation " + esc(metric))
                .append(sel.get("best_value") instanceof Number v ? " = " + Html.metric(v.doubleValue()) : "")
                .append(Boolean.TRUE.equals(sel.get("loaded_best_at_end")) ? " (loaded at the end)" : "").append(". ");
        if (stop >= 0) b.append("Early stopping ended the run at step ").append(stop).append('.');
        return b.append("</p>\n").toString();
    }

    private static String forgetting(RunLog run) {
        Map<String, Object> f = section(run.report(), "forgetting");
        if (f.isEmpty()) return "";
        Map<String, Double> before = RunLog.numbers(f.get("before")), after = RunLog.numbers(f.get("after"));
        StringBuilder b = new StringBuilder("<h2>Forgetting probe</h2>\n<p>").append(esc(f.get("objective"))).append(" on ")
                .append(esc(f.get("data"))).append(", before fine-tuning and after.</p>\n<table data-table=\"forgetting\"><tr><th>metric</th><th>before</th><th>after</th><th>change</th></tr>\n");
        for (String k : after.keySet()) {
            Double a = after.get(k), bf = before.get(k);
            b.append("<tr data-metric=\"").append(esc(k)).append("\"><td>").append(esc(k)).append("</td>").append(cell(bf)).append(cell(a))
                    .append(cell(bf == null ? null : a - bf)).append("</tr>\n");
        }
        return b.append("</table>\n").toString();
    }

    static List<LineChart> charts(RunLog run) {
        List<LineChart> charts = new ArrayList<>();
        long best = run.bestStep(), stop = run.earlyStopStep();
        Series loss = run.train(MetricNames.LOSS);
        LineChart lossChart = new LineChart("loss", "loss", "")
                .add(loss.named("train loss"), run.name(), "train loss", Html.color(0), LineChart.Style.FAINT)
                .add(loss.smoothed(SMOOTHING).named("train loss (smoothed)"), run.name(), "train loss (smoothed)", Html.color(0), LineChart.Style.LINE)
                .add(run.eval(MetricNames.LOSS).named("eval loss"), run.name(), "eval loss", Html.color(1), LineChart.Style.DASHED_DOTS);
        charts.add(markers(lossChart, best, stop));
        int i = 2;
        for (String k : MetricNames.evalChartKeys(run.evalKeys()))
            charts.add(markers(new LineChart("eval." + MetricNames.id(k), "validation " + k, "")
                    .add(run.eval(k).named("eval " + k), run.name(), "eval " + k, Html.color(i++), LineChart.Style.DASHED_DOTS), best, stop));
        for (String k : List.of(MetricNames.LR, MetricNames.GRAD_NORM, MetricNames.TOKENS_PER_S))
            charts.add(new LineChart("train." + k, MetricNames.title(k), MetricNames.unit(k)).add(run.train(k), run.name(), k, Html.color(i++), LineChart.Style.LINE));
        charts.add(new LineChart("memory", "memory", "MiB")
                .add(run.train(MetricNames.HEAP).named("heap"), run.name(), "Java heap in use", Html.color(4), LineChart.Style.LINE)
                .add(run.train(MetricNames.RSS).named("rss"), run.name(), "resident set size (RSS)", Html.color(5), LineChart.Style.LINE));
        for (String k : MetricNames.extraTrainKeys(run.trainKeys()))
            charts.add(new LineChart("train." + MetricNames.id(k), "training " + k + " (per step)", "").add(run.train(k), run.name(), k, Html.color(i++), LineChart.Style.LINE));
        charts.removeIf(LineChart::isEmpty);
        return charts;
    }

    private static LineChart markers(LineChart c, long best, long stop) {
        return c.marker(best, "best", "best step " + best, BEST_COLOR).marker(stop, "early-stop", "early stop at step " + stop, STOP_COLOR);
    }

    private static String samples(RunLog run) {
        if (run.samples().isEmpty()) return "";
        StringBuilder b = new StringBuilder("<h2>Samples</h2>\n");
        for (Map<String, Object> s : run.samples()) {
            b.append("<div data-sample data-step=\"").append(esc(s.get("step"))).append("\"><p class=\"sub\">step ").append(esc(s.get("step")));
            if (s.get("settings") != null) b.append(" · ").append(esc(s.get("settings")));
            b.append("</p><pre><b>").append(esc(s.getOrDefault("prompt", ""))).append("</b>").append(esc(s.getOrDefault("text", ""))).append("</pre></div>\n");
        }
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}
