package dev.kiln.backend.opencl.kernel;

/**
 * Tiled matrix product. A work-group of 16×16 items computes a 64×64 tile of C, each item a 4×4
 * block at stride 16 (so neighbouring items touch neighbouring columns); op(A) and op(B) tiles of
 * depth 16 are staged in local memory: lmem[0, 1024) = A tile [64 rows][16], lmem[1024, 2048) =
 * B tile [16][64 cols]. Transposed operands are read with transposed indexing while loading the tile,
 * so the inner loop is the same for all four variants.
 */
public abstract class MatmulOps extends ElementOps {
    public static final int TILE = 64, DEPTH = 16, GROUP = 16;

    @PrivateMemorySpace(16) public float[] acc = new float[16];
    @PrivateMemorySpace(4) public float[] bReg = new float[4];

    // MATMUL: for batch item bi = group(1) / i9 (i9 = row tiles):
    //   C o2 + bi·i7 [i0 = M, i1 = N] = f0 · op(A) [M, i2 = K] · op(B) [K, N] (+ C when i8)
    //   A o0 + bi·i5 stored [K, M] when i3; B o1 + bi·i6 stored [N, K] when i4
    protected void matmul() {
        int tx = getLocalId(0), ty = getLocalId(1);
        int lid = ty * GROUP + tx;
        int gRow = getGroupId(1);
        int bi = gRow / i9;
        int row0 = (gRow - bi * i9) * TILE, col0 = getGroupId(0) * TILE;
        int ao = o0 + bi * i5, bo = o1 + bi * i6, co = o2 + bi * i7;
        for (int t = 0; t < 16; t++) acc[t] = 0f;
        for (int k0 = 0; k0 < i2; k0 += DEPTH) {
            for (int t = lid; t < TILE * DEPTH; t += GROUP * GROUP) {
                int r = 0, kk = 0;
                if (i3 != 0) { r = t % TILE; kk = t / TILE; } else { r = t / DEPTH; kk = t % DEPTH; }
                int gr = row0 + r, gk = k0 + kk;
                float v = 0f;
                if (gr < i0 && gk < i2) {
                    if (i3 != 0) v = ld(ao + gk * i0 + gr);
                    else v = ld(ao + gr * i2 + gk);
                }
                lmem[r * DEPTH + kk] = v;
                int c = 0, kb = 0;
                if (i4 != 0) { kb = t % DEPTH; c = t / DEPTH; } else { kb = t / TILE; c = t % TILE; }
                int gc = col0 + c, gkb = k0 + kb;
                float w = 0f;
                if (gc < i1 && gkb < i2) {
                    if (i4 != 0) w = ld(bo + gc * i2 + gkb);
                    else w = ld(bo + gkb * i1 + gc);
                }
                lmem[1024 + kb * TILE + c] = w;
            }
            localBarrier();
            for (int kk = 0; kk < DEPTH; kk++) {
                for (int c = 0; c < 4; c++) bReg[c] = lmem[1024 + kk * TILE + tx + GROUP * c];
                for (int r = 0; r < 4; r++) {
                    float a = lmem[(ty + GROUP * r) * DEPTH + kk];
                    for (int c = 0; c < 4; c++) acc[r * 4 + c] += a * bReg[c];
                }
            }
            localBarrier();
        }
        for (int r = 0; r < 4; r++) {
            int gr = row0 + ty + GROUP * r;
            for (int c = 0; c < 4; c++) {
                int gc = col0 + tx + GROUP * c;
                if (gr < i0 && gc < i1) {
                    int idx = co + gr * i1 + gc;
                    float v = f0 * acc[r * 4 + c];
                    if (i8 != 0) st(idx, ld(idx) + v);
                    else st(idx, v);
                }
            }
        }
    }
}
