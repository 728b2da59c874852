package dev.kiln.runtime.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** HTML pieces the report pages share: escaping, number formats, the page frame and its style sheet. */
final class Html {
    /** Series colours (Tableau 10, as TensorBoard and matplotlib use). */
    static final List<String> PALETTE = List.of("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf");

    private static final String STYLE = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
            main{max-width:1400px;margin:0 auto;padding:20px 28px 48px}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
            .sub{color:#666;margin:0 0 16px}.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#e8f0fe;color:#174ea6}
            .status.finished{background:#e6f4ea;color:#137333}.status.stopped{background:#fce8e6;color:#a50e0e}
            table{border-collapse:collapse;background:#fff;margin:0 0 8px}td,th{border:1px solid #e3e3e3;padding:3px 10px;text-align:left;vertical-align:top}
            th{background:#f3f3f3;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
            .cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:8px 12px;min-width:120px}
            .card b{display:block;font-size:12px;color:#666;font-weight:500}.card span{font-size:16px;font-variant-numeric:tabular-nums}
            .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:14px}
            figure.chart{margin:0;background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:6px 8px}
            figure.chart svg{width:100%;height:auto;display:block}
            figcaption{font-size:12px;color:#444;padding:2px 4px}figcaption .key{margin-right:14px;white-space:nowrap}
            figcaption .swatch{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
            svg text{font:11px system-ui,sans-serif;fill:#555}svg text.title{font-size:13px;font-weight:600;fill:#222}
            svg .grid line{stroke:#eee}svg .frame{fill:none;stroke:#bbb}svg polyline{fill:none;stroke-linejoin:round;stroke-linecap:round}
            pre{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:10px;white-space:pre-wrap;word-break:break-word}
            .share{width:260px;height:14px}details summary{cursor:pointer;color:#174ea6}
            """;

    private Html() {}

    static String esc(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A metric for a table: four decimals (more than the three a comparison needs), exponent form when huge or tiny. */
    static String metric(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "∞" : "−∞";
        double a = Math.abs(v);
        if (a != 0 && (a >= 1e9 || a < 1e-4)) return String.format(Locale.ROOT, "%.4e", v);
        return String.format(Locale.ROOT, "%,.4f", v);
    }

    /** A whole number with thousands grouped. */
    static String count(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%,d", Math.round(v)) : "–";
    }

    /** A number as plain text for a data attribute: Java's shortest exact form. */
    static String data(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** 1h02m03s, 4m05s, 6.2s. */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) return "–";
        if (seconds < 60) return String.format(Locale.ROOT, "%.1fs", seconds);
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    static String now() {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).format(Instant.now().atOffset(ZoneOffset.UTC));
    }

    static String color(int i) { return PALETTE.get(Math.floorMod(i, PALETTE.size())); }

    /** A whole page: no scripts, no external resources. */
    static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                + "<meta name=\"generator\" content=\"kiln\"><title>" + esc(title) + "</title><style>" + STYLE + "</style></head>\n<body><main>\n"
                + body + "\n<p class=\"sub\">Written by Kiln at " + now() + ".</p>\n</main></body></html>\n";
    }

    /** A two-column table of label → value cells (values already HTML). */
    static String cards(Map<String, String> cards) {
        StringBuilder b = new StringBuilder("<div class=\"cards\">");
        for (var e : cards.entrySet())
            b.append("<div class=\"card\" data-card=\"").append(esc(e.getKey())).append("\"><b>").append(esc(e.getKey()))
                    .append("</b><span>").append(e.getValue()).append("</span></div>");
        return b.append("</div>\n").toString();
    }
}
