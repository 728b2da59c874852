package dev.kiln.backend.opencl;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.backend.opencl.kernel.Kernels;
import dev.kiln.backend.opencl.kernel.Op;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static dev.kiln.backend.opencl.OpenClBackend.check;

/**
 * Host side of attention and rope. Forward takes the fused path (one work-group per query row,
 * scores in local memory) when headDim ≤ 256 and tk ≤ 2048, else the general path (one work item per
 * row). A sliding window is one more visibility test in the kernels (register i12). Rope reads a
 * (cos, sin) table of the float32 angles computed on the host and cached on the device per
 * (seq, posOffset, inverse frequencies), so it matches the reference to float rounding.
 */
final class OpenClAttention {
    private final Launcher dev;
    private final OpenClBackend backend;
    private final Map<TableKey, OpenClStorage> ropeTables = new HashMap<>();
    boolean forceGeneral;

    OpenClAttention(Launcher dev, OpenClBackend backend) {
        this.dev = dev;
        this.backend = backend;
    }

    private void geometry(AttentionSpec s, Storage q, Storage k, Storage v) {
        dev.k.o0 = dev.off(q) + s.qOffset();
        dev.k.o1 = dev.off(k) + s.kOffset();
        dev.k.o2 = dev.off(v) + s.vOffset();
        dev.k.i0 = s.batch();
        dev.k.i1 = s.qHeads();
        dev.k.i2 = s.group();
        dev.k.i3 = s.tq();
        dev.k.i4 = s.tk();
        dev.k.i5 = s.headDim();
        dev.k.i6 = s.qRowStride();
        dev.k.i7 = s.kRowStride();
        dev.k.i8 = s.vRowStride();
        dev.k.f0 = s.scale();
        dev.k.i9 = s.causal() ? 1 : 0;   // forward adds its mask flags
        dev.k.i12 = s.window();
    }

    // q: [B,tq,Hq,D] strided; k, v: [B,tk,Hkv,D] strided; out: [B,tq,Hq,D]; probs: [B,Hq,tq,tk]
    void forward(AttentionSpec s, Storage q, Storage k, Storage v, int[] keyMask, int[] segments, Storage out, Storage probs) {
        check(out, s.outSize(), "attention out");
        check(probs, s.probsSize(), "attention probs");
        int rows = s.batch() * s.qHeads() * s.tq();
        if (rows == 0) return;
        int bt = s.batch() * s.tk();
        int[] ints = new int[2 * bt];
        int flags = s.causal() ? 1 : 0;
        if (keyMask != null) {
            System.arraycopy(keyMask, 0, ints, 0, bt);
            flags |= 2;
        }
        if (segments != null) {
            if (s.tq() != s.tk()) throw new IllegalArgumentException("segments need tq == tk, got " + s);
            System.arraycopy(segments, 0, ints, bt, bt);
            flags |= 4;
        }
        if (flags > 1) dev.ints(ints, ints.length);
        geometry(s, q, k, v);
        dev.k.o3 = dev.off(out);
        dev.k.o4 = dev.off(probs);
        dev.k.i9 = flags;
        dev.k.i10 = 0;
        dev.k.i11 = bt;
        boolean fused = !forceGeneral && s.headDim() <= Kernels.FUSED_MAX_D && s.tk() <= Kernels.FUSED_MAX_T;
        if (fused) dev.runGroups(Op.ATTENTION_FUSED, rows, Kernels.ATTN_GROUP);
        else dev.run1D(Op.ATTENTION_GENERAL, rows);
    }

    // probs: [B,Hq,tq,tk]; gOut: [B,tq,Hq,D]; gq, gk, gv laid out as q, k, v (may be one storage)
    void backward(AttentionSpec s, Storage q, Storage k, Storage v, Storage probs, Storage gOut,
                  Storage gq, Storage gk, Storage gv) {
        int rows = s.batch() * s.qHeads() * s.tq();
        if (rows == 0 || s.tk() == 0) return;
        OpenClStorage ds = backend.scratch(s.probsSize());
        try {
            geometry(s, q, k, v);
            dev.k.o4 = dev.off(probs);
            dev.k.o5 = dev.off(gOut);
            dev.k.o6 = ds.offset;
            dev.runGroups(Op.ATTENTION_DSCORES, rows, Kernels.ATTN_GROUP);
            dev.k.o3 = dev.off(gq) + s.qOffset();
            dev.run1D(Op.ATTENTION_GRAD_Q, s.batch() * s.tq() * s.qHeads() * s.headDim());
            dev.k.o3 = dev.off(gk) + s.kOffset();
            dev.k.o7 = dev.off(gv) + s.vOffset();
            dev.run1D(Op.ATTENTION_GRAD_KV, s.batch() * s.tk() * s.kvHeads() * s.headDim());
        } finally {
            backend.release(ds);
        }
    }

    // x, y: [batch, seq, heads, headDim]; pairs (i, i + headDim/2); invFreq: [headDim/2]
    void rope(Storage x, Storage y, int batch, int seq, int heads, int headDim, int posOffset, float[] invFreq, boolean inverse) {
        NaiveBackend.checkRope(headDim, invFreq);
        int n = batch * seq * heads * headDim;
        check(x, n, "rope x");
        check(y, n, "rope y");
        if (n == 0) return;
        dev.k.o2 = table(seq, posOffset, invFreq).offset;
        dev.k.o0 = dev.off(x);
        dev.k.o1 = dev.off(y);
        dev.k.i0 = n / 2;
        dev.k.i1 = seq;
        dev.k.i2 = heads;
        dev.k.i3 = headDim;
        dev.k.i4 = inverse ? 1 : 0;
        dev.run1D(Op.ROPE, n / 2);
    }

    /** A cached rope table's identity: the frequencies compared by value. */
    private record TableKey(int seq, int posOffset, float[] invFreq) {
        @Override
        public boolean equals(Object o) {
            return o instanceof TableKey k && k.seq == seq && k.posOffset == posOffset && Arrays.equals(k.invFreq, invFreq);
        }

        @Override
        public int hashCode() { return (seq * 31 + posOffset) * 31 + Arrays.hashCode(invFreq); }
    }

    // table: [seq, headDim/2, 2] = (cos, sin) of float32((posOffset + t) · invFreq[i])
    private OpenClStorage table(int seq, int posOffset, float[] invFreq) {
        TableKey key = new TableKey(seq, posOffset, invFreq.clone());
        OpenClStorage t = ropeTables.get(key);
        if (t != null) return t;
        if (ropeTables.size() > 64) ropeTables.clear();
        int half = invFreq.length;
        float[] cs = new float[seq * half * 2];
        for (int p = 0; p < seq; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) (posOffset + p) * invFreq[i];
                cs[(p * half + i) * 2] = (float) Math.cos(angle);
                cs[(p * half + i) * 2 + 1] = (float) Math.sin(angle);
            }
        }
        t = (OpenClStorage) backend.upload(cs);
        ropeTables.put(key, t);
        return t;
    }
}
