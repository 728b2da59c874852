package dev.kiln.runtime.metrics;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.Backend;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a step's time goes, op by op, as {@code torch.profiler}'s {@code key_averages()} table shows it for PyTorch:
 * {@link #wrap} puts a recorder between the model and its backend, and every call of a {@link Backend} method is timed
 * on the calling thread, under the phase the caller last named ({@link #phase}) and a key that tells its shapes apart
 * (a product by its dimensions, an element-wise op by its kind). The backend's own implementation of an op (which may
 * fan out to its threads or call other methods of itself) counts as one call. After each recorded call the backend is
 * drained ({@link Backend#synchronize}), so an asynchronous device's time lands on the op that queued it, serialized;
 * on the CPU backends that is a no-op.
 */
public final class OpProfile {
    /** One op under one phase: calls, nanoseconds and FLOPs (0 where not counted) over the recorded steps. */
    public record Op(String phase, String op, long calls, long nanos, double flops) {
        /** FLOP/s ÷ 1e9 over its recorded time, or 0 where its FLOPs are not counted. */
        public double gflops() { return flops == 0 || nanos == 0 ? 0 : flops / nanos; }
    }

    private static final Set<String> NOT_OPS = Set.of("name", "description", "poolStats", "synchronize", "close",
            "crossEntropyStatsSize", "attentionStatsSize");

    private final Map<String, Map<String, long[]>> byPhase = new LinkedHashMap<>();   // phase → key → {calls, nanos}
    private final Map<String, Double> flopsByKey = new LinkedHashMap<>();               // phase + key → FLOPs
    private volatile String phase = "";
    private volatile boolean recording = true;

    /** A backend that does what {@code real} does, timing each op into this profile. */
    public Backend wrap(Backend real) {
        InvocationHandler handler = (proxy, method, args) -> {
            switch (method.getName()) {
                case "equals": return proxy == args[0];
                case "hashCode": return System.identityHashCode(proxy);
                case "toString": return "profiled " + real;
                default: break;
            }
            boolean record = recording && !NOT_OPS.contains(method.getName());
            long t0 = record ? System.nanoTime() : 0;
            Object result;
            try {
                result = method.invoke(real, args);
                if (record) real.synchronize();
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (record) add(phase, key(method.getName(), args), System.nanoTime() - t0, flops(method.getName(), args));
            return result;
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, handler);
    }

    /** The phase the calls from now on belong to ("forward", "backward", ...). */
    public void phase(String name) { phase = name; }

    /** Whether calls are recorded from now on (on at first; a warm-up's are not). */
    public void recording(boolean on) { recording = on; }

    /** Forgets everything recorded. */
    public synchronized void clear() {
        byPhase.clear();
        flopsByKey.clear();
    }

    /** Every op recorded, phase by phase in the order they were first named, the slowest first within a phase. */
    public synchronized List<Op> ops() {
        List<Op> out = new ArrayList<>();
        byPhase.forEach((ph, ops) -> {
            List<Op> rows = new ArrayList<>();
            ops.forEach((k, v) -> rows.add(new Op(ph, k, v[0], v[1], flopsByKey.getOrDefault(ph + '\0' + k, 0.0))));
            rows.sort(Comparator.comparingLong(Op::nanos).reversed());
            out.addAll(rows);
        });
        return out;
    }

    private synchronized void add(String ph, String key, long nanos, double flops) {
        long[] acc = byPhase.computeIfAbsent(ph, p -> new LinkedHashMap<>()).computeIfAbsent(key, k -> new long[2]);
        acc[0]++;
        acc[1] += nanos;
        if (flops > 0) flopsByKey.merge(ph + '\0' + key, flops, Double::sum);
    }

    /** The method's name, with what tells its calls apart where one name covers different work. */
    static String key(String method, Object[] a) {
        return switch (method) {
            // matmul(a, b, c, batch, m, n, k, transA, transB, ...): op(A) [m, k] · op(B) [k, n]
            case "matmul" -> "matmul " + ((int) a[3] == 1 ? "" : a[3] + "×") + a[4] + "×" + a[5] + "×" + a[6]
                    + ((boolean) a[7] ? " Aᵀ" : " A") + ((boolean) a[8] ? "·Bᵀ" : "·B");
            // linear(x, w, bias, y, rows, in, out)
            case "linear" -> "linear " + a[4] + "×" + a[5] + "→" + a[6];
            // linearBackward(gy, x, w, gx, accumulateX, gw, accumulateW, [gb, accumulateB,] rows, in, out)
            case "linearBackward" -> {
                int r = a.length - 3;
                yield "linearBackward " + a[r] + "×" + a[r + 1] + "→" + a[r + 2]
                        + (a[3] == null && a[5] == null ? " (bias)" : a[3] == null ? " (weight)" : a[5] == null ? " (input)" : "")
                        + (a.length == 12 && a[7] != null && (a[3] != null || a[5] != null) ? " + bias" : "");
            }
            case "unary", "unaryBackward", "binary" -> method + " " + a[0];
            // reduceSumTo(src, srcShape, dst, dstShape, accumulate): a bias's or a broadcast operand's gradient
            case "reduceSumTo" -> method + " " + dims((int[]) a[1]) + "→" + dims((int[]) a[3]);
            case "attention", "attentionBackward", "attentionWithStats", "attentionBackwardFromStats" -> {
                AttentionSpec s = (AttentionSpec) a[0];
                yield method + " " + s.batch() + "×" + s.qHeads() + "×" + s.tq() + "×" + s.tk() + "×" + s.headDim();
            }
            default -> method;
        };
    }

    private static String dims(int[] shape) {
        StringBuilder b = new StringBuilder();
        for (int d : shape) b.append(b.length() == 0 ? "" : "×").append(d);
        return b.toString();
    }

    /** The multiply-adds of a product, ×2; 0 for every other op. */
    static double flops(String method, Object[] a) {
        return switch (method) {
            case "matmul" -> 2.0 * (int) a[3] * (int) a[4] * (int) a[5] * (int) a[6];
            case "linear" -> 2.0 * (int) a[4] * (int) a[5] * (int) a[6];
            case "linearBackward" -> 2.0 * (int) a[a.length - 3] * (int) a[a.length - 2] * (int) a[a.length - 1]
                    * ((a[3] == null ? 0 : 1) + (a[5] == null ? 0 : 1));
            default -> 0;
        };
    }
}
