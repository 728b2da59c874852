// Kiln's device program. Every kernel takes the same registers (KILN_ARGS), set by the host's Launcher:
//   m0..m7 / o0..o7  operand k is the arena buffer mk from float index ok (a tensor never spans two buffers,
//                    so an operand is a plain pointer, mk + ok, and operands may share a buffer);
//   i0..i12          sizes, strides and flags;  f0..f6 float parameters;  seed for dropout;
//   ints             per-launch host ints (ids, targets, masks);
//   metaTable, metaSlot  the launch's shapes and strides at metaTable + metaSlot, 8 per part (META below).
// Each kernel's comment says what its registers mean; shapes in brackets. Work-group sizes and tile
// constants (TILE, DEPTH, GROUP, ROW_GROUP, ATTN_GROUP, FUSED_MAX_D, FUSED_MAX_T) come from the host
// as -D build options. Every kernel declares only the local memory it uses.
#define KILN_ARGS \
    __global float* m0, int o0, __global float* m1, int o1, __global float* m2, int o2, __global float* m3, int o3, \
    __global float* m4, int o4, __global float* m5, int o5, __global float* m6, int o6, __global float* m7, int o7, \
    int i0, int i1, int i2, int i3, int i4, int i5, int i6, int i7, int i8, int i9, int i10, int i11, int i12, \
    float f0, float f1, float f2, float f3, float f4, float f5, float f6, long seed, \
    __global const int* ints, __global const int* metaTable, int metaSlot

// The launch's shape metadata, for the kernels that take any.
#define META __global const int* meta = metaTable + metaSlot

#define GID ((int) get_global_id(0))

// Work-group tree sum (or max) of v over scratch[0, local size); the local size is a power of two.
float group_sum(float v, __local float* scratch) {
    int l = get_local_id(0);
    scratch[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (l < s) scratch[l] += scratch[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

float group_max(float v, __local float* scratch) {
    int l = get_local_id(0);
    scratch[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (l < s) scratch[l] = max(scratch[l], scratch[l + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// Column kernels sum down the rows of a [rows, cols] matrix in work-groups of COL_GROUP columns (dimension 0,
// neighbouring items on neighbouring floats) by COL_LANES row lanes (dimension 1): lane l sums rows l, l + COL_LANES, ...
// lane_sum adds the lanes' sums of each column in lane order (scratch: COL_LANES·COL_GROUP floats); every item gets its column's.
float lane_sum(float v, __local float* scratch) {
    int c = get_local_id(0), l = get_local_id(1);
    scratch[l * COL_GROUP + c] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    float s = 0.0f;
    for (int q = 0; q < COL_LANES; q++) s += scratch[q * COL_GROUP + c];
    barrier(CLK_LOCAL_MEM_FENCE);
    return s;
}

// Source offset of output element i: meta[0, rank) its shape, meta[sOff, sOff + rank) source strides.
int strided_index(int i, int rank, __global const int* meta, int sOff) {
    int rest = i, src = 0;
    for (int d = rank - 1; d >= 0; d--) {
        int dim = meta[d];
        int idx = rest % dim;
        rest = rest / dim;
        src += idx * meta[sOff + d];
    }
    return src;
}
