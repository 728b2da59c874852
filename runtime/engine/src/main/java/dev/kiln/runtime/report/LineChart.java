package dev.kiln.runtime.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.kiln.runtime.report.Html.data;
import static dev.kiln.runtime.report.Html.esc;

/**
 * One chart as inline SVG: curves over training steps on shared axes, round ticks, grid lines,
 * vertical markers (best step, early stop) and an HTML legend. Every element carries its
 * numbers for a reader other than the eye: the {@code svg} has {@code data-chart}, the axis
 * ranges ({@code data-x-min}, {@code data-x-max}, {@code data-y-min}, {@code data-y-max}) and
 * {@code data-y-scale}; each curve is a {@code polyline} with {@code data-series},
 * {@code data-run}, {@code data-points} (its number of points), {@code data-steps} and
 * {@code data-values}; dots are {@code circle}s with {@code data-step} / {@code data-value};
 * markers are {@code line}s with {@code data-marker} and {@code data-step}.
 */
final class LineChart {
    static final int WIDTH = 640, HEIGHT = 290;
    private static final int LEFT = 62, RIGHT = 16, TOP = 28, BOTTOM = 38;

    /** How a curve is drawn. */
    enum Style { LINE, FAINT, DASHED_DOTS, DOTS }

    private record Curve(Series series, String run, String label, String color, Style style) {}

    private record Marker(long step, String kind, String label, String color) {}

    private final String id, title, unit;
    private final List<Curve> curves = new ArrayList<>();
    private final List<Marker> markers = new ArrayList<>();

    /** @param unit shown on the value axis, or "" */
    LineChart(String id, String title, String unit) {
        this.id = id;
        this.title = title;
        this.unit = unit;
    }

    LineChart add(Series s, String run, String label, String color, Style style) {
        if (!s.isEmpty()) curves.add(new Curve(s, run, label, color, style));
        return this;
    }

    LineChart marker(long step, String kind, String label, String color) {
        if (step >= 0) markers.add(new Marker(step, kind, label, color));
        return this;
    }

    boolean isEmpty() { return curves.isEmpty(); }

    /** The figure: the SVG and its legend. */
    String html() {
        if (curves.isEmpty()) return "";
        double xlo = Double.POSITIVE_INFINITY, xhi = Double.NEGATIVE_INFINITY, ylo = Double.POSITIVE_INFINITY, yhi = Double.NEGATIVE_INFINITY;
        for (Curve c : curves) {
            xlo = Math.min(xlo, c.series.steps()[0]);
            xhi = Math.max(xhi, c.series.steps()[c.series.size() - 1]);
            if (Double.isFinite(c.series.min())) ylo = Math.min(ylo, c.series.min());
            if (Double.isFinite(c.series.max())) yhi = Math.max(yhi, c.series.max());
        }
        Axis x = Axis.steps(xlo, xhi), y = Axis.values(ylo, yhi);
        StringBuilder b = new StringBuilder();
        b.append("<figure class=\"chart\" id=\"chart-").append(esc(id)).append("\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
                .append(WIDTH).append(' ').append(HEIGHT).append("\" role=\"img\" aria-label=\"").append(esc(title))
                .append("\" data-chart=\"").append(esc(id)).append("\" data-x-min=\"").append(data(x.min())).append("\" data-x-max=\"")
                .append(data(x.max())).append("\" data-y-min=\"").append(data(y.min())).append("\" data-y-max=\"").append(data(y.max()))
                .append("\" data-y-scale=\"").append(y.log() ? "log" : "linear").append("\">\n");
        b.append("<text class=\"title\" x=\"").append(LEFT).append("\" y=\"17\">").append(esc(title)).append("</text>\n");
        grid(b, x, y);
        for (Marker m : markers) marker(b, m, x);
        for (Curve c : curves) curve(b, c, x, y);
        b.append("<rect class=\"frame\" x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(plotWidth())
                .append("\" height=\"").append(plotHeight()).append("\"/>\n</svg>\n<figcaption>");
        for (Curve c : curves)
            b.append("<span class=\"key\" data-series=\"").append(esc(c.label)).append("\"><span class=\"swatch\" style=\"background:")
                    .append(c.color).append(c.style == Style.FAINT ? ";opacity:.35" : "").append("\"></span>").append(esc(c.label)).append("</span>");
        for (Marker m : markers)
            b.append("<span class=\"key\" data-marker=\"").append(m.kind).append("\"><span class=\"swatch\" style=\"background:")
                    .append(m.color).append("\"></span>").append(esc(m.label)).append("</span>");
        return b.append("</figcaption>\n</figure>\n").toString();
    }

    private void grid(StringBuilder b, Axis x, Axis y) {
        b.append("<g class=\"grid\">");
        for (double t : y.ticks()) {
            String py = px(py(y, t));
            b.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + plotWidth()).append("\" y1=\"").append(py).append("\" y2=\"").append(py).append("\"/>");
        }
        b.append("</g>\n<g class=\"axis y\">");
        for (double t : y.ticks())
            b.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(px(py(y, t) + 4)).append("\" text-anchor=\"end\" data-tick=\"")
                    .append(data(t)).append("\">").append(esc(y.label(t))).append("</text>");
        if (!unit.isEmpty())
            b.append("<text x=\"12\" y=\"").append(TOP + plotHeight() / 2).append("\" text-anchor=\"middle\" transform=\"rotate(-90 12 ")
                    .append(TOP + plotHeight() / 2).append(")\">").append(esc(unit)).append("</text>");
        b.append("</g>\n<g class=\"axis x\">");
        for (double t : x.ticks())
            b.append("<text x=\"").append(px(pxOf(x, t))).append("\" y=\"").append(TOP + plotHeight() + 15).append("\" text-anchor=\"middle\" data-tick=\"")
                    .append(data(t)).append("\">").append(esc(String.format(Locale.ROOT, "%,d", Math.round(t)))).append("</text>");
        b.append("<text x=\"").append(LEFT + plotWidth() / 2).append("\" y=\"").append(HEIGHT - 4).append("\" text-anchor=\"middle\">step</text></g>\n");
    }

    private void marker(StringBuilder b, Marker m, Axis x) {
        if (m.step < x.min() || m.step > x.max()) return;
        String px = px(pxOf(x, m.step));
        b.append("<line class=\"marker\" data-marker=\"").append(m.kind).append("\" data-step=\"").append(m.step).append("\" x1=\"").append(px)
                .append("\" x2=\"").append(px).append("\" y1=\"").append(TOP).append("\" y2=\"").append(TOP + plotHeight())
                .append("\" stroke=\"").append(m.color).append("\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"><title>")
                .append(esc(m.label)).append("</title></line>\n");
    }

    private void curve(StringBuilder b, Curve c, Axis x, Axis y) {
        Series s = c.series;
        StringBuilder points = new StringBuilder(), steps = new StringBuilder(), values = new StringBuilder();
        int n = 0;
        for (int i = 0; i < s.size(); i++) {
            double v = s.values()[i];
            if (!Double.isFinite(v) || y.log() && v <= 0) continue;
            if (n++ > 0) {
                points.append(' ');
                steps.append(' ');
                values.append(' ');
            }
            points.append(px(pxOf(x, s.steps()[i]))).append(',').append(px(py(y, v)));
            steps.append(s.steps()[i]);
            values.append(data(v));
        }
        String common = " data-series=\"" + esc(c.label) + "\" data-run=\"" + esc(c.run) + "\"";
        if (c.style != Style.DOTS) {
            b.append("<polyline class=\"series\"").append(common).append(" data-points=\"").append(n).append("\" data-steps=\"").append(steps)
                    .append("\" data-values=\"").append(values).append("\" points=\"").append(points).append("\" stroke=\"").append(c.color)
                    .append('"').append(switch (c.style) {
                        case FAINT -> " stroke-width=\"1\" stroke-opacity=\"0.35\"";
                        case DASHED_DOTS -> " stroke-width=\"1.6\" stroke-dasharray=\"5 3\"";
                        default -> " stroke-width=\"1.8\"";
                    }).append("><title>").append(esc(c.label)).append("</title></polyline>\n");
        }
        if (c.style == Style.DASHED_DOTS || c.style == Style.DOTS) {
            b.append("<g class=\"dots\"").append(common).append(">");
            for (int i = 0; i < s.size(); i++) {
                double v = s.values()[i];
                if (!Double.isFinite(v) || y.log() && v <= 0) continue;
                b.append("<circle cx=\"").append(px(pxOf(x, s.steps()[i]))).append("\" cy=\"").append(px(py(y, v)))
                        .append("\" r=\"3\" fill=\"").append(c.color).append("\" data-step=\"").append(s.steps()[i]).append("\" data-value=\"")
                        .append(data(v)).append("\"><title>").append(esc(c.label)).append(" @ step ").append(s.steps()[i]).append(": ")
                        .append(Html.metric(v)).append("</title></circle>");
            }
            b.append("</g>\n");
        }
    }

    private static int plotWidth() { return WIDTH - LEFT - RIGHT; }

    private static int plotHeight() { return HEIGHT - TOP - BOTTOM; }

    /** The x pixel of a step. */
    static double pxOf(Axis x, double step) { return LEFT + x.fraction(step) * plotWidth(); }

    /** The y pixel of a value (up is larger). */
    static double py(Axis y, double v) { return TOP + (1 - y.fraction(v)) * plotHeight(); }

    private static String px(double v) { return String.format(Locale.ROOT, "%.2f", v); }
}
