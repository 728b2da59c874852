package dev.kiln.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The human-readable part of {@code kiln bench}'s output: one row per config, then sgemm. */
final class BenchTable {
    private static final String[] HEADER = {"config", "params", "train tok/s min / med / max", "step ms",
            "fwd / bwd / opt ms", "GFLOP/s", "infer tok/s", "loss first → last (ln V)"};

    private BenchTable() {}

    static void print(PrintWriter out, List<Map<String, Object>> results, Map<String, Double> sgemm, String backend,
                      int threads) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (Map<String, Object> r : results) {
            rows.add(new String[] {
                    r.get("config").toString(),
                    params(((Number) r.get("params")).longValue()),
                    n(r, "train_tok_s_min") + " / " + n(r, "train_tok_s_med") + " / " + n(r, "train_tok_s_max"),
                    Format.fixed(d(r, "train_step_ms_med"), 1),
                    Format.fixed(d(r, "fwd_ms_med"), 1) + " / " + Format.fixed(d(r, "bwd_ms_med"), 1) + " / "
                            + Format.fixed(d(r, "opt_ms_med"), 1),
                    Format.fixed(d(r, "train_gflops_med"), 1),
                    r.containsKey("infer_tok_s_med") ? n(r, "infer_tok_s_med") : "-",
                    Format.fixed(d(r, "loss_first"), 3) + " → " + Format.fixed(d(r, "loss_last"), 3) + " ("
                            + Format.fixed(d(r, "ln_V"), 3) + ")"});
        }
        int[] w = new int[HEADER.length];
        for (String[] row : rows) for (int i = 0; i < row.length; i++) w[i] = Math.max(w[i], row[i].length());
        out.println("backend " + backend + ", " + threads + " thread" + (threads == 1 ? "" : "s") + " (medians over timed steps)");
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean left = i == 0;
                String cell = row[i];
                String pad = " ".repeat(w[i] - cell.length());
                line.append(left ? cell + pad : pad + cell).append(i < row.length - 1 ? "  " : "");
            }
            out.println(line.toString().stripTrailing());
        }
        if (!sgemm.isEmpty()) {
            StringBuilder s = new StringBuilder("sgemm GFLOP/s (n×n×n):");
            sgemm.forEach((n, g) -> s.append("  ").append(n).append(": ").append(Format.fixed(g, 1)));
            out.println(s);
        }
        Object peak = results.isEmpty() ? null : results.get(0).get("fma_peak_gflops");
        if (peak instanceof Number p) {
            StringBuilder s = new StringBuilder("fp32 FMA ceiling: " + Format.fixed(p.doubleValue(), 1) + " GFLOP/s; training at");
            for (Map<String, Object> r : results)
                s.append("  ").append(r.get("config")).append(": ").append(Format.fixed(100 * d(r, "train_peak_share"), 1)).append('%');
            out.println(s);
        }
    }

    private static String params(long p) {
        return p >= 1_000_000 ? Format.fixed(p / 1e6, 2) + "M" : Format.fixed(p / 1e3, 1) + "K";
    }

    private static double d(Map<String, Object> r, String key) {
        Object v = r.get(key);
        return v instanceof Number num ? num.doubleValue() : Double.NaN;
    }

    private static String n(Map<String, Object> r, String key) {
        return Format.thousands(d(r, key));
    }
}
