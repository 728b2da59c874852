#!/usr/bin/env python3
"""Reference vectors (float arrays as hex of little-endian float32) for Kiln's 4-bit (NF4 / FP4) blockwise quantization and double quantization.

A float32 numpy re-implementation of what bitsandbytes defines (functional.py get_4bit_type,
create_dynamic_map, quantize_4bit with compress_statistics; backends/default/ops.py and the CUDA
kernel's dQuantizeNF4 / dQuantizeFP4), written from reading those sources, not copied:

* codes: NF4 = the 16 QLoRA normal-float levels; FP4 = [0, .0625, 8, 12, 4, 6, 2, 3, -0, ...] / 12.
* blocks of `blocksize` consecutive elements of the flattened tensor; absmax per block (the last,
  partial block has its own); scaled = x * (1/absmax) in float32, clamped to [-1, 1].
* nearest code by the midpoints between neighbouring codes (strictly above a midpoint -> the upper
  code). NF4 compares the signed value against the sorted table; FP4, like the CUDA kernel, takes
  the sign bit (0b1000 when x < 0) and the magnitude code by midpoints of |x|.
* an all-zero block has absmax 0 and encodes as the code of 0.0 (it dequantizes to 0 either way).
* two codes per byte, the FIRST element in the HIGH nibble; an odd length pads the last low nibble
  with the code of 0.0 (NF4 0b0111, FP4 0b0000), as bitsandbytes pads with 0.0 before encoding.
* dequantize: code[q] * absmax[block] in float32.
* double quantization: offset = mean(absmax) (accumulated in float64, rounded to float32); absmax -
  offset quantized blockwise (256) with the signed 8-bit dynamic map, nearest by midpoints; dequantized
  absmax = map[q8] * absmax2[block // 256] + offset.
* create_dynamic_map(signed=True): torch.linspace in float32 (start + i*step for the first half,
  end - (steps-1-i)*step after), means of neighbours in float32, times 10**(i-6) as float32.

Run from this directory: python3 gen_4bit_vectors.py  (writes vectors_4bit.json).
"""
import hashlib
import json
import math

import numpy as np

f32 = np.float32

NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
                0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0], dtype=f32)
FP4 = (np.array([0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, -0.0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0, -3.0],
                dtype=f32) / f32(12.0)).astype(f32)
CODES = {"nf4": NF4, "fp4": FP4}


def midpoints(sorted_codes):
    return ((sorted_codes[:-1] + sorted_codes[1:]) * f32(0.5)).astype(f32)


NF4_MID = midpoints(NF4)
FP4_MAG_BITS = sorted(range(8), key=lambda b: FP4[b])  # magnitude codes 0..7 in increasing value
FP4_MAG_MID = midpoints(FP4[FP4_MAG_BITS])


def encode(qtype, s):
    s = f32(s)
    if qtype == "nf4":
        return int(np.count_nonzero(s > NF4_MID))
    sign = 8 if s < 0 else 0
    return sign | FP4_MAG_BITS[int(np.count_nonzero(abs(s) > FP4_MAG_MID))]


def block_absmax(x, bs):
    n = len(x)
    return np.array([np.max(np.abs(x[b:b + bs])) for b in range(0, n, bs)], dtype=f32)


def scale(v, a):
    if a == 0:
        return f32(0.0)
    return np.clip(f32(v) * (f32(1.0) / f32(a)), f32(-1.0), f32(1.0)).astype(f32)


def quantize_4bit(x, qtype, bs):
    absmax = block_absmax(x, bs)
    q = [encode(qtype, scale(v, absmax[i // bs])) for i, v in enumerate(x)]
    if len(q) % 2:
        q.append(encode(qtype, 0.0))
    packed = bytes((q[i] << 4) | q[i + 1] for i in range(0, len(q), 2))
    return packed, absmax


def dequantize_4bit(packed, absmax, qtype, bs, n):
    code = CODES[qtype]
    out = np.empty(n, dtype=f32)
    for i in range(n):
        byte = packed[i // 2]
        nib = byte >> 4 if i % 2 == 0 else byte & 0xF
        out[i] = f32(code[nib] * absmax[i // bs])
    return out


def linspace_f32(start, end, steps):
    start, end = f32(start), f32(end)
    step = f32((end - start) / f32(steps - 1))
    half = steps // 2
    return np.array([f32(start + step * f32(i)) if i < half else f32(end - step * f32(steps - 1 - i))
                     for i in range(steps)], dtype=f32)


def dynamic_map_signed():
    data = []
    for i in range(7):  # max_exponent_bits = 7, total_bits = 8, non_sign_bits = 7: no additional items
        b = linspace_f32(0.1, 1.0, 2 ** i + 1)
        means = ((b[:-1] + b[1:]) / f32(2.0)).astype(f32)
        p = f32(10.0 ** (-6 + i))
        data += [float(f32(p * m)) for m in means]
        data += [float(f32(-p * m)) for m in means]
    data += [0.0, 1.0]
    assert len(data) == 256
    return np.array(sorted(data), dtype=f32)


DYN = dynamic_map_signed()
DYN_MID = midpoints(DYN)


def quantize_blockwise_8bit(x, bs=256):
    absmax = block_absmax(x, bs)
    q = bytes(int(np.count_nonzero(scale(v, absmax[i // bs]) > DYN_MID)) for i, v in enumerate(x))
    return q, absmax


def double_quant(absmax):
    offset = f32(np.mean(absmax.astype(np.float64)))
    q8, absmax2 = quantize_blockwise_8bit((absmax - offset).astype(f32))
    deq = np.array([f32(f32(DYN[q8[i]] * absmax2[i // 256]) + offset) for i in range(len(absmax))], dtype=f32)
    return q8, absmax2, offset, deq


def floats(a):
    """float32 values as the hex of their little-endian bytes: exact and compact."""
    return np.asarray(a, dtype="<f4").tobytes().hex()


LCG_A, LCG_C, MASK64 = 6364136223846793005, 1442695040888963407, (1 << 64) - 1


def generated(seed, n, scale):
    """n float32 values in [-scale, scale) from a 64-bit LCG, by integer and exactly rounded float32 steps only, so
    the Java test makes the same values and large inputs need not be stored: u = bits 40..63 of the next state,
    x = f32((u - 2^23) / 2^23) * f32(scale)."""
    h, out, s = seed, np.empty(n, dtype=f32), f32(scale)
    for i in range(n):
        h = (h * LCG_A + LCG_C) & MASK64
        out[i] = f32(f32(((h >> 40) & 0xFFFFFF) - (1 << 23)) / f32(1 << 23)) * s
    return out


def case(name, qtype, bs, x=None, nested=False, gen=None):
    """One case; gen = (seed, scale) makes the input with generated() and stores only those two numbers."""
    x = generated(gen[0], gen[1], gen[2]) if gen else np.asarray(x, dtype=f32)
    packed, absmax = quantize_4bit(x, qtype, bs)
    c = {"name": name, "type": qtype, "blocksize": bs, "n": len(x), "packed": packed.hex(), "absmax": floats(absmax)}
    if gen:
        c["generated"] = {"seed": gen[0], "scale": floats([gen[2]])}
    else:
        c["input"] = floats(x)
    if nested:
        q8, absmax2, offset, deq_absmax = double_quant(absmax)
        c.update({"nested_codes": q8.hex(), "nested_absmax": floats(absmax2), "offset": floats([offset]),
                  "dequantized_absmax": floats(deq_absmax)})
        absmax = deq_absmax
    deq = np.asarray(dequantize_4bit(packed, absmax, qtype, bs, len(x)), dtype="<f4").tobytes()
    c["dequantized_sha256"] = hashlib.sha256(deq).hexdigest()
    return c


def main():
    rng = np.random.default_rng(13)
    normal = lambda n, s=1.0: (rng.standard_normal(n) * s).astype(f32)
    edge = np.array([0.0, 1.5, -1.5, 0.75, -0.75, 1e-9, -1e-9, -0.0] + [0.3 * k - 1.5 for k in range(11)], dtype=f32)
    cases = []
    for qt in ("nf4", "fp4"):
        cases.append(case(qt + "-bs64-partial", qt, 64, normal(64 * 3 + 17, 0.02)))
        cases.append(case(qt + "-bs32-odd37", qt, 32, normal(37)))
        cases.append(case(qt + "-zero-block", qt, 32, np.concatenate([np.zeros(32, f32), normal(40, 0.5), np.zeros(5, f32)])))
        cases.append(case(qt + "-edges-absmax", qt, 32, edge))
        for bs, n in ((32, 600), (128, 600), (256, 600), (1024, 1100), (4096, 4100)):
            cases.append(case(qt + "-bs" + str(bs), qt, bs, gen=(bs * 7 + len(qt), n, 0.05)))
        # thresholds: every midpoint scaled by absmax 1, just above and at it
        mids = NF4_MID if qt == "nf4" else np.concatenate([FP4_MAG_MID, -FP4_MAG_MID])
        probe = np.concatenate([[1.0], mids, np.nextafter(mids, f32(2.0)), np.nextafter(mids, f32(-2.0))]).astype(f32)
        cases.append(case(qt + "-midpoints", qt, 4096, probe))
    cases.append(case("nf4-double-bs32", "nf4", 32, nested=True, gen=(270, 32 * 270 + 7, 0.02)))
    cases.append(case("fp4-double-bs32", "fp4", 32, nested=True, gen=(257, 32 * 257 + 1, 0.03)))
    cases.append(case("nf4-double-constant-absmax", "nf4", 32, np.tile(np.array([1.0, -0.5], f32), 48), nested=True))
    out = {"nf4_code": floats(NF4), "fp4_code": floats(FP4), "dynamic_map_signed": floats(DYN), "cases": cases}
    with open("vectors_4bit.json", "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
