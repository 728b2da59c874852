package dev.kiln.cli;

import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** Number and duration formatting shared by the commands (always Locale.ROOT: '.' decimals, ',' thousands). */
final class Format {
    private Format() {}

    /** 3,950 */
    static String thousands(double v) {
        return String.format(Locale.ROOT, "%,d", Math.round(v));
    }

    /** 45s, 1m52s, 2h03m; "?" when unknown. */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) return "?";
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
    }

    /** A metric value with about four significant digits: 241.3, 3.12, 0.4107, 1.2e-05. */
    static String metric(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e6)) return String.format(Locale.ROOT, "%.3g", v);
        if (a >= 1000) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 100) return String.format(Locale.ROOT, "%.1f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.2f", v);
        return String.format(Locale.ROOT, "%.3f", v).replaceAll("(\\.\\d*?[1-9])0+$", "$1").replaceAll("\\.0+$", "");
    }

    /** "loss 1.92 perplexity 6.8 accuracy 0.41" */
    static String metrics(Map<String, Double> m) {
        StringJoiner j = new StringJoiner(" ");
        for (var e : m.entrySet()) j.add(e.getKey() + " " + metric(e.getValue()));
        return j.toString();
    }

    static String fixed(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
