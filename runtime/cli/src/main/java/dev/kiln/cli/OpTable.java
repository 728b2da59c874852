package dev.kiln.cli;

import dev.kiln.runtime.metrics.OpProfile;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/** {@code kiln bench --op-profile}: a timed step's time op by op, phase by phase, as JSON rows and as a table. */
final class OpTable {
    /** Rows that take less of their phase than this are summed into one line of the table (the JSON keeps them all). */
    private static final double SHOWN_SHARE = 0.01;

    private OpTable() {}

    /** One JSON row per recorded op: phase, op, calls and ms a step (steps of each phase from {@code steps}), GFLOP/s. */
    static List<Map<String, Object>> rows(List<OpProfile.Op> ops, ToIntFunction<String> steps) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (OpProfile.Op o : ops) {
            int n = Math.max(1, steps.applyAsInt(o.phase()));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("phase", o.phase());
            row.put("op", o.op());
            row.put("calls", BenchRunner.round((double) o.calls() / n, 2));
            row.put("ms", BenchRunner.round(o.nanos() / 1e6 / n, 3));
            if (o.flops() > 0) row.put("gflops", BenchRunner.round(o.gflops(), 1));
            rows.add(row);
        }
        return rows;
    }

    /** For each result with "ops": each phase's mean time a step, its ops (slowest first), and what no op accounts for. */
    @SuppressWarnings("unchecked")
    static void print(PrintWriter out, List<Map<String, Object>> results) {
        for (Map<String, Object> r : results) {
            if (!(r.get("ops") instanceof List<?> list)) continue;
            List<Map<String, Object>> ops = (List<Map<String, Object>>) list;
            Map<String, Double> phaseMs = (Map<String, Double>) r.get("op_phase_ms");
            out.println();
            out.println(r.get("config") + ": a timed step op by op (means a step; each op timed around its backend call)");
            out.println(String.format("  %-13s %-44s %7s %9s %7s %8s", "phase", "op", "calls", "ms", "share", "GFLOP/s"));
            phaseMs.forEach((phase, total) -> {
                double covered = 0, rest = 0;
                int restOps = 0;
                out.println(String.format("  %-13s %-44s %7s %9s %7s", phase, "(the phase)", "", Format.fixed(total, 2), "100.0%"));
                for (Map<String, Object> o : ops) {
                    if (!o.get("phase").equals(phase)) continue;
                    double ms = ((Number) o.get("ms")).doubleValue();
                    covered += ms;
                    if (ms < SHOWN_SHARE * total) {
                        rest += ms;
                        restOps++;
                        continue;
                    }
                    Object g = o.get("gflops");
                    out.println(String.format("  %-13s %-44s %7s %9s %7s %8s", "", o.get("op"), Format.fixed(((Number) o.get("calls")).doubleValue(), 0),
                            Format.fixed(ms, 2), share(ms, total), g == null ? "" : Format.fixed(((Number) g).doubleValue(), 1)));
                }
                if (restOps > 0)
                    out.println(String.format("  %-13s %-44s %7s %9s %7s", "", restOps + (restOps == 1 ? " other op, under 1%" : " other ops, each under 1%"),
                            "", Format.fixed(rest, 2), share(rest, total)));
                out.println(String.format("  %-13s %-44s %7s %9s %7s", "", "(outside the backend's ops)", "", Format.fixed(total - covered, 2),
                        share(total - covered, total)));
            });
        }
    }

    private static String share(double ms, double total) {
        return total <= 0 ? "-" : Format.fixed(100 * ms / total, 1) + "%";
    }
}
