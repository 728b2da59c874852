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
 * Several runs on one page ({@code kiln report A B C}): a table of their final metrics (each run
 * labelled by its directory name; for fine-tuning runs also the forgetting probe's change) and their curves on shared axes, one colour per run: training
 * loss (smoothed, raw faint behind it), evaluation loss, every evaluation metric any of them has,
 * learning rate, gradient norm, throughput, heap and RSS.
 */
final class ComparisonPage {
    private ComparisonPage() {}

    static String render(List<RunLog> runs) {
        List<String> names = runs.stream().map(RunLog::name).toList();
        String title = String.join(" vs ", names);
        StringBuilder b = new StringBuilder("<h1>").append(esc(title)).append("</h1>\n<p class=\"sub\">")
                .append(runs.size()).append(" Kiln runs compared</p>\n");
        b.append("<h2>Final metrics</h2>\n").append(table(runs));
        b.append("<h2>Curves</h2>\n<div class=\"charts\">\n");
        for (LineChart c : charts(runs)) b.append(c.html());
        b.append("</div>\n");
        return Html.page(title + " · Kiln runs compared", b.toString());
    }

    /** One row per run: status, method, trainable share, steps, wall time, then every final metric. */
    private static String table(List<RunLog> runs) {
        Set<String> validation = new LinkedHashSet<>(), test = new LinkedHashSet<>(), forgetting = new LinkedHashSet<>();
        for (RunLog r : runs) {
            for (String k : r.finalEval().keySet()) if (!k.startsWith("confusion.")) validation.add(k);
            for (String k : r.test().keySet()) if (!k.startsWith("confusion.")) test.add(k);
            forgetting.addAll(forgettingChange(r).keySet());
        }
        StringBuilder b = new StringBuilder("<table data-table=\"runs\"><tr><th>run</th><th>status</th><th>method</th><th>trainable</th>"
                + "<th>steps</th><th>best step</th><th>wall time</th>");
        for (String k : validation) b.append("<th data-column=\"validation ").append(esc(k)).append("\">validation ").append(esc(k)).append("</th>");
        for (String k : test) b.append("<th data-column=\"test ").append(esc(k)).append("\">test ").append(esc(k)).append("</th>");
        for (String k : forgetting)
            b.append("<th data-column=\"forgetting ").append(esc(k)).append("\">forgetting: ").append(esc(k)).append(" change</th>");
        b.append("</tr>\n");
        for (RunLog r : runs) {
            Map<String, Object> params = section(r.info(), "parameters").isEmpty() ? section(r.report(), "parameters") : section(r.info(), "parameters");
            Object method = r.info().getOrDefault("method", r.report().getOrDefault("method", r.info().getOrDefault("objective", "–")));
            b.append("<tr data-run=\"").append(esc(r.name())).append("\"><td>").append(esc(r.name())).append("</td><td>").append(RunPage.status(r))
                    .append("</td><td>").append(esc(method)).append("</td><td class=\"num\">")
                    .append(params.get("trainable_percent") instanceof Number p ? String.format(java.util.Locale.ROOT, "%.2f%%", p.doubleValue()) : "–")
                    .append("</td><td class=\"num\">").append(Html.count(r.lastStep())).append("</td><td class=\"num\">")
                    .append(r.bestStep() >= 0 ? Html.count(r.bestStep()) : "–").append("</td><td class=\"num\">")
                    .append(Html.duration(r.wallSeconds())).append("</td>");
            Map<String, Double> after = r.finalEval(), t = r.test();
            for (String k : validation) b.append(RunPage.cell(after.get(k)));
            for (String k : test) b.append(RunPage.cell(t.get(k)));
            Map<String, Double> change = forgettingChange(r);
            for (String k : forgetting) b.append(RunPage.cell(change.get(k)));
            b.append("</tr>\n");
        }
        return b.append("</table>\n").toString();
    }

    /** The forgetting probe's after − before per metric (fine-tuning runs with one), or empty. */
    private static Map<String, Double> forgettingChange(RunLog r) {
        return RunLog.numbers(section(r.report(), "forgetting").get("change"));
    }

    static List<LineChart> charts(List<RunLog> runs) {
        Map<String, LineChart> charts = new LinkedHashMap<>();
        charts.put("loss", new LineChart("loss", "training loss", ""));
        charts.put("eval.loss", new LineChart("eval.loss", "validation loss", ""));
        Set<String> evalKeys = new LinkedHashSet<>(), extra = new LinkedHashSet<>();
        for (RunLog r : runs) {
            evalKeys.addAll(MetricNames.evalChartKeys(r.evalKeys()));
            extra.addAll(MetricNames.extraTrainKeys(r.trainKeys()));
        }
        for (String k : evalKeys) charts.put("eval." + k, new LineChart("eval." + MetricNames.id(k), "validation " + k, ""));
        for (String k : List.of(MetricNames.LR, MetricNames.GRAD_NORM, MetricNames.TOKENS_PER_S))
            charts.put("train." + k, new LineChart("train." + k, MetricNames.title(k), MetricNames.unit(k)));
        charts.put("train." + MetricNames.HEAP, new LineChart("train." + MetricNames.HEAP, "Java heap in use", "MiB"));
        charts.put("train." + MetricNames.RSS, new LineChart("train." + MetricNames.RSS, "resident set size (RSS)", "MiB"));
        for (String k : extra) charts.put("train." + k, new LineChart("train." + MetricNames.id(k), "training " + k + " (per step)", ""));
        for (int i = 0; i < runs.size(); i++) {
            RunLog r = runs.get(i);
            String name = r.name(), color = Html.color(i);
            Series loss = r.train(MetricNames.LOSS);
            charts.get("loss").add(loss.named(name + " raw"), name, name + " (raw)", color, LineChart.Style.FAINT)
                    .add(loss.smoothed(RunPage.SMOOTHING).named(name), name, name, color, LineChart.Style.LINE);
            charts.get("eval.loss").add(r.eval(MetricNames.LOSS), name, name, color, LineChart.Style.DASHED_DOTS);
            for (String k : evalKeys) charts.get("eval." + k).add(r.eval(k), name, name, color, LineChart.Style.DASHED_DOTS);
            for (String k : List.of(MetricNames.LR, MetricNames.GRAD_NORM, MetricNames.TOKENS_PER_S, MetricNames.HEAP, MetricNames.RSS))
                charts.get("train." + k).add(r.train(k), name, name, color, LineChart.Style.LINE);
            for (String k : extra) charts.get("train." + k).add(r.train(k), name, name, color, LineChart.Style.LINE);
        }
        List<LineChart> out = new ArrayList<>(charts.values());
        out.removeIf(LineChart::isEmpty);
        return out;
    }
}
