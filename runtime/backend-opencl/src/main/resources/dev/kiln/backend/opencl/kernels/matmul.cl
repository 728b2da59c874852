// Tiled matrix product. A work-group of GROUP×GROUP items computes a TILE×TILE tile of C (TILE = WPT·GROUP),
// each item a WPT×WPT block at stride GROUP (so neighbouring items touch neighbouring columns); op(A) and op(B)
// tiles of depth DEPTH are staged in local memory. Transposed operands are read with transposed indexing
// while loading the tile, so the inner loop is the same for all four variants. WPT, GROUP and DEPTH come from
// the host's MatmulTiling (default 4, 16, 16).
//
// MATMUL: for batch item bi = group(1) / i9 (i9 = row tiles):
//   C o2 + bi·i7 [i0 = M, i1 = N] = f0 · op(A) [M, i2 = K] · op(B) [K, N] (+ C when i8)
//   A o0 + bi·i5 stored [K, M] when i3; B o1 + bi·i6 stored [N, K] when i4
__kernel void matmul(KILN_ARGS) {
    __local float tileA[TILE * DEPTH];   // [TILE rows][DEPTH]
    __local float tileB[DEPTH * TILE];   // [DEPTH][TILE cols]
    int tx = get_local_id(0), ty = get_local_id(1);
    int lid = ty * GROUP + tx;
    int gRow = get_group_id(1);
    int bi = gRow / i9;
    int row0 = (gRow - bi * i9) * TILE, col0 = get_group_id(0) * TILE;
    __global const float* a = m0 + o0 + bi * i5;
    __global const float* b = m1 + o1 + bi * i6;
    __global float* c = m2 + o2 + bi * i7;
    float acc[WPT * WPT];
    for (int t = 0; t < WPT * WPT; t++) acc[t] = 0.0f;
    for (int k0 = 0; k0 < i2; k0 += DEPTH) {
        for (int t = lid; t < TILE * DEPTH; t += GROUP * GROUP) {
            int r, kk;
            if (i3 != 0) { r = t % TILE; kk = t / TILE; } else { r = t / DEPTH; kk = t % DEPTH; }
            int gr = row0 + r, gk = k0 + kk;
            float v = 0.0f;
            if (gr < i0 && gk < i2) v = i3 != 0 ? a[gk * i0 + gr] : a[gr * i2 + gk];
            tileA[r * DEPTH + kk] = v;
            int col, kb;
            if (i4 != 0) { kb = t % DEPTH; col = t / DEPTH; } else { kb = t / TILE; col = t % TILE; }
            int gc = col0 + col, gkb = k0 + kb;
            float w = 0.0f;
            if (gc < i1 && gkb < i2) w = i4 != 0 ? b[gc * i2 + gkb] : b[gkb * i1 + gc];
            tileB[kb * TILE + col] = w;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < DEPTH; kk++) {
            float bReg[WPT];
            for (int q = 0; q < WPT; q++) bReg[q] = tileB[kk * TILE + tx + GROUP * q];
            for (int r = 0; r < WPT; r++) {
                float av = tileA[(ty + GROUP * r) * DEPTH + kk];
                for (int q = 0; q < WPT; q++) acc[r * WPT + q] += av * bReg[q];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int r = 0; r < WPT; r++) {
        int gr = row0 + ty + GROUP * r;
        for (int q = 0; q < WPT; q++) {
            int gc = col0 + tx + GROUP * q;
            if (gr < i0 && gc < i1) {
                float v = f0 * acc[r * WPT + q];
                c[gr * i1 + gc] = i8 != 0 ? c[gr * i1 + gc] + v : v;
            }
        }
    }
}
