package dev.kiln.runtime.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One chart axis: the range it shows (always containing every plotted value), round tick
 * values within it, and the mapping onto pixels. Linear, or logarithmic (base 10) for a value
 * axis whose positive values span more than {@link #LOG_SPAN}× (perplexity falling from
 * thousands to a few).
 */
record Axis(double min, double max, boolean log, List<Double> ticks) {
    static final double LOG_SPAN = 50;

    /** The step axis: exactly the steps plotted (one step either side when there is only one). */
    static Axis steps(double lo, double hi) {
        if (!(hi > lo)) {
            lo -= 1;
            hi += 1;
        }
        double step = Math.max(1, nice((hi - lo) / 6));
        List<Double> ticks = new ArrayList<>();
        for (double t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.add(t);
        return new Axis(lo, hi, false, ticks);
    }

    /** A value axis over [lo, hi]: widened to round ticks, logarithmic when the values ask for it. */
    static Axis values(double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) return new Axis(0, 1, false, List.of(0.0, 0.5, 1.0));
        if (lo > 0 && hi / lo >= LOG_SPAN) return logarithmic(lo, hi);
        if (hi == lo) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.05;
            lo -= pad;
            hi += pad;
        }
        double step = nice((hi - lo) / 5);
        double a = Math.floor(lo / step) * step, b = Math.ceil(hi / step) * step;
        List<Double> ticks = new ArrayList<>();
        for (int i = 0; a + i * step <= b + step * 1e-9; i++) ticks.add(clean(a + i * step, step));
        return new Axis(a, b, false, ticks);
    }

    private static Axis logarithmic(double lo, double hi) {
        int a = (int) Math.floor(Math.log10(lo)), b = (int) Math.ceil(Math.log10(hi));
        List<Double> ticks = new ArrayList<>();
        for (int e = a; e <= b; e++) {
            ticks.add(Math.pow(10, e));
            if (b - a <= 2 && e < b) {
                ticks.add(2 * Math.pow(10, e));
                ticks.add(5 * Math.pow(10, e));
            }
        }
        return new Axis(Math.pow(10, a), Math.pow(10, b), true, ticks);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double nice(double raw) {
        if (!(raw > 0)) return 1;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    }

    private static double clean(double v, double step) {
        return Math.abs(v) < step * 1e-9 ? 0 : v;
    }

    /** Where {@code v} lies between the ends: 0 at min, 1 at max. */
    double fraction(double v) {
        if (log) return (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
        return (v - min) / (max - min);
    }

    /** A tick's label: as many decimals as the tick spacing needs, thousands grouped, or powers of ten. */
    String label(double v) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1e6 || a < 1e-4) {
            int exp = (int) Math.floor(Math.log10(a));
            String mantissa = String.format(Locale.ROOT, "%.2f", v / Math.pow(10, exp)).replaceAll("\\.?0+$", "");
            return mantissa + "e" + exp;
        }
        double spacing = ticks.size() > 1 ? Math.abs(ticks.get(1) - ticks.get(0)) : a;
        int decimals = log ? Math.max(0, (int) -Math.floor(Math.log10(a))) : Math.max(0, (int) -Math.floor(Math.log10(spacing) + 1e-9));
        return String.format(Locale.ROOT, "%,." + Math.min(decimals, 6) + "f", v);
    }
}
