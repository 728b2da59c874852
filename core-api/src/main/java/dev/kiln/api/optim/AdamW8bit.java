package dev.kiln.api.optim;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with 8-bit block-wise state (bitsandbytes' AdamW8bit, Dettmers et al. 2022): each step
 * dequantizes a block of 256 moments (first: signed dynamic map, second: unsigned), applies the
 * AdamW update in 32 bits, and quantizes the updated moments against the block's new absolute
 * maximum. Parameters under {@code minQuantizedSize} elements (bitsandbytes' min_8bit_size, 4096)
 * keep 32-bit state through the backend's fused update, as {@link AdamW} does. The 8-bit update
 * runs on the host (parameter and gradient are downloaded and the parameter uploaded each step).
 * State bytes: 2n + 8⌈n/256⌉ for a quantized parameter against 8n in 32 bits (≈ 0.254×).
 */
public final class AdamW8bit implements Optimizer {
    public static final int MIN_8BIT_SIZE = 4096;
    private final List<ParamGroup> params;
    private final float beta1, beta2, eps;
    private final Storage[] m32, v32;          // 32-bit state of small parameters, else null
    private final BlockwiseState[] m8, v8;     // 8-bit state of large parameters, else null
    private long steps;
    private final ParameterSteps parameterSteps;

    public AdamW8bit(List<ParamGroup> params, double beta1, double beta2, double eps) {
        this(params, beta1, beta2, eps, MIN_8BIT_SIZE);
    }

    /** @param minQuantizedSize parameters with fewer elements keep 32-bit state */
    public AdamW8bit(List<ParamGroup> params, double beta1, double beta2, double eps, int minQuantizedSize) {
        this.params = List.copyOf(params);
        this.parameterSteps = new ParameterSteps(params.size());
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        int k = params.size();
        m32 = new Storage[k];
        v32 = new Storage[k];
        m8 = new BlockwiseState[k];
        v8 = new BlockwiseState[k];
        for (int i = 0; i < k; i++) {
            Tensor p = params.get(i).param();
            if (p.size() >= minQuantizedSize) {
                m8[i] = new BlockwiseState(p.size(), true);
                v8[i] = new BlockwiseState(p.size(), false);
            } else {
                m32[i] = p.backend().allocate(p.size());
                v32[i] = p.backend().allocate(p.size());
            }
        }
    }

    @Override
    public String name() { return "adamw8bit"; }

    /** Whether parameter i's state is 8-bit. */
    public boolean quantized(int i) { return m8[i] != null; }

    @Override
    public void step(double lr) {
        steps++;
        for (int i = 0; i < params.size(); i++) {
            ParamGroup g = params.get(i);
            Tensor p = g.param();
            if (!p.hasGrad()) continue;
            Backend be = p.backend();
            float rate = (float) (lr * g.lrScale()), wd = (float) g.weightDecay();
            long t = parameterSteps.next(i);
            if (m8[i] == null) be.adamw(p.storage(), p.gradForAccumulation(), m32[i], v32[i], p.size(), rate, beta1, beta2, eps, wd, t);
            else update8bit(be, p, i, rate, wd, t);
        }
    }

    /** Block by block: dequantize m, v; m, v, p updated in 32 bits; requantize m, v. */
    private void update8bit(Backend be, Tensor param, int i, float lr, float wd, long t) {
        float[] p = be.download(param.storage()), g = be.download(param.gradForAccumulation());
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        float[] m = new float[BlockwiseState.BLOCK], v = new float[BlockwiseState.BLOCK];
        int n = param.size();
        for (int b = 0; b < BlockwiseState.blocks(n); b++) {
            m8[i].dequantize(b, m);
            v8[i].dequantize(b, v);
            int from = b * BlockwiseState.BLOCK, len = Math.min(BlockwiseState.BLOCK, n - from);
            for (int j = 0; j < len; j++) {
                float gj = g[from + j];
                m[j] = beta1 * m[j] + (1 - beta1) * gj;
                v[j] = beta2 * v[j] + (1 - beta2) * gj * gj;
                double update = (m[j] / bc1) / (Math.sqrt(v[j] / bc2) + eps);
                p[from + j] = (float) (p[from + j] - lr * (wd * (double) p[from + j] + update));
            }
            m8[i].quantize(b, m);
            v8[i].quantize(b, v);
        }
        be.copy(be.upload(p), 0, param.storage(), 0, n);
    }

    @Override
    public long steps() { return steps; }

    @Override
    public long stateBytes() {
        long bytes = 0;
        for (int i = 0; i < params.size(); i++)
            bytes += m8[i] != null ? m8[i].bytes() + v8[i].bytes() : 8L * params.get(i).param().size();
        return bytes;
    }

    /** {@code m.}/{@code v.} for 32-bit state; {@code m8code.}/{@code m8absmax.} (codes three to a float) and the v8 pair for 8-bit. */
    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            String name = params.get(i).name();
            if (m8[i] != null) {
                out.put("m8code." + name, m8[i].packedCodes());
                out.put("m8absmax." + name, m8[i].absmaxCopy());
                out.put("v8code." + name, v8[i].packedCodes());
                out.put("v8absmax." + name, v8[i].absmaxCopy());
            } else {
                Backend be = params.get(i).param().backend();
                out.put("m." + name, be.download(m32[i]));
                out.put("v." + name, be.download(v32[i]));
            }
        }
        parameterSteps.save(params, out);
        return out;
    }

    @Override
    public void load(Map<String, float[]> state, long steps) {
        for (int i = 0; i < params.size(); i++) {
            ParamGroup g = params.get(i);
            int n = g.param().size();
            if (m8[i] != null) {
                m8[i].load(entry(state, "m8code.", g, BlockwiseState.packedLength(n)), entry(state, "m8absmax.", g, BlockwiseState.blocks(n)));
                v8[i].load(entry(state, "v8code.", g, BlockwiseState.packedLength(n)), entry(state, "v8absmax.", g, BlockwiseState.blocks(n)));
            } else {
                Backend be = g.param().backend();
                be.copy(be.upload(entry(state, "m.", g, n)), 0, m32[i], 0, n);
                be.copy(be.upload(entry(state, "v.", g, n)), 0, v32[i], 0, n);
            }
        }
        this.steps = steps;
        parameterSteps.load(params, state, steps);
    }

    private static float[] entry(Map<String, float[]> state, String kind, ParamGroup g, int length) {
        float[] a = state.get(kind + g.name());
        if (a == null) throw new IllegalArgumentException("optimizer state has no '" + kind + g.name() + "' (adamw8bit)");
        if (a.length != length)
            throw new IllegalArgumentException("optimizer state '" + kind + g.name() + "' has " + a.length + " values, adamw8bit expects "
                    + length + " for a parameter of " + g.param().size());
        return a;
    }
}
