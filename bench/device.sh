#!/usr/bin/env bash
# bench/device.sh: issue 16's measurements on a lent GPU machine that has no Java, Maven or network, from a checkout
# that carries .devkit/ and runtime/cli/target/kiln as bench/device-kit.sh left them. Parts, in the order given:
#   gpu   bench/gpu.sh: matmul GFLOP/s on the device at 1024³-4096³, training tokens/s on small and gpt2-124M
#   cpu   bench/vs-torch.sh on the machine's cores (THREADS, default all of them) against the PyTorch it has:
#         SHAPES (default "small gpt2-124M"), ROUNDS (default 1)
#   ops   where a small training step's time goes, op by op, on 1 thread and on THREADS (kiln bench --op-profile):
#         which ops do not scale with the cores; each run under OPS_LIMIT (120 s), its output in $OUT/ops-T.txt
#   gpu-ops  where a training step's time goes on the OpenCL device, op by op (each op drained before the next, so
#         each carries its own device time): GPU_OPS_SHAPE (default gpt2-124M), under GPU_OPS_LIMIT (120 s), its
#         output in $OUT/gpu-ops.txt
#   tilings  the matmul kernel's tilings compared on the device over a gpt2-124M step's products (MatmulTilingsBench),
#         under TILINGS_LIMIT (120 s), its output in $OUT/tilings.txt; the parts after it, in this run and in later
#         runs on the same machine (the choice is kept in ${TMPDIR:-/tmp}/kiln-device-matmul-tiling), get the
#         fastest through KILN_OPENCL_MATMUL unless it is set: bench/device.sh tilings gpu, then bench/device.sh gpu-ops cpu
# Everything printed goes to $OUT/device.log as well (OUT: default .devkit/out), the cpu part's JSON lines to
# $OUT/cpu.tar (bench/vs-torch.sh --summarize reads them back once unpacked). Each part ends within a time limit, so
# a hung one still leaves the other's figures: bench/gpu.sh's own (330 s in all; 60 s more for a sync-mode rerun of a failing small), CPU_LIMIT (300 s) for the cpu part.
#
#   bench/device.sh gpu cpu
#   THREADS=8 SHAPES=small bench/device.sh cpu
#   REPLICAS=2 bench/device.sh cpu             # Kiln's tiny and small as 2 replicas of THREADS / 2 threads (vs-torch.sh)
#   bench/device.sh ops                        # about 1-2 minutes
#   bench/device.sh gpu-ops                    # a gpt2-124M step op by op, on the GPU
#   bench/device.sh tilings gpu gpu-ops        # the GPU part with the fastest correct matmul tiling there
#   KILN_OPENCL_SYNC=1 bench/device.sh gpu     # every launch waited for: a kernel that faults is named in the error
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kit="$root/.devkit"
out="${OUT:-$kit/out}"
tiling_file="${TMPDIR:-/tmp}/kiln-device-matmul-tiling"
[ $# -gt 0 ] || set -- gpu cpu
for part in "$@"; do
    case "$part" in gpu|cpu|ops|gpu-ops|tilings) ;;
        *) echo "bench/device.sh: unknown part '$part' (gpu, cpu, ops, gpu-ops, tilings)" >&2; exit 2 ;;
    esac
done
[ -f "$kit/jre.tar.xz" ] || { echo "bench/device.sh: no $kit/jre.tar.xz: run bench/device-kit.sh on a build machine first" >&2; exit 2; }
[ -f "$root/runtime/cli/target/kiln/.built" ] || { echo "bench/device.sh: no built distribution in runtime/cli/target/kiln (carry it)" >&2; exit 2; }

java_runtime() { # unpack the carried runtime once; ./kiln, gpu.sh and vs-torch.sh run it through JAVA_HOME
    local dir="${TMPDIR:-/tmp}/kiln-device-jre"
    [ -x "$dir/jre/bin/java" ] || { mkdir -p "$dir" && tar -C "$dir" -xJf "$kit/jre.tar.xz"; } || return 1
    export JAVA_HOME="$dir/jre" KILN_NO_BUILD=1
    "$JAVA_HOME/bin/java" -version 2>&1 | head -1
}

linked() { # the path the dynamic linker knows for the library matching sed pattern $1; empty when none
    (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) | sed -n "s/^[[:space:]]*$1 (.*=> \(.*\)\$/\1/p" | head -1
}

opencl_icd() { # JOCL opens libOpenCL.so, an ICD loader, which reads the vendors' .icd files; a GPU container often
               # has the driver's libnvidia-opencl.so.1 but no loader or /etc/OpenCL/vendors: supply what is missing
    local dir="$kit/opencl" nvidia
    if [ -n "$(linked 'libOpenCL\.so\.1')" ]; then
        echo "OpenCL ICD loader: the machine's ($(linked 'libOpenCL\.so\.1'); ./kiln and gpu.sh name it libOpenCL.so)"
    else
        mkdir -p "$dir" && ln -sfn "$kit/libOpenCL.so.1" "$dir/libOpenCL.so" && ln -sfn "$kit/libOpenCL.so.1" "$dir/libOpenCL.so.1"
        export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        echo "OpenCL ICD loader: $kit/libOpenCL.so.1 (carried)"
    fi
    if ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1 || [ -n "${OCL_ICD_VENDORS:-}" ]; then return 0; fi
    nvidia="$(linked 'libnvidia-opencl\.so\.1')"
    [ -n "$nvidia" ] || nvidia="$(find /usr/local/nvidia /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib \
        -name 'libnvidia-opencl.so.1' 2>/dev/null | head -1)"
    if [ -z "$nvidia" ]; then echo "OpenCL vendor: none found (no /etc/OpenCL/vendors, no libnvidia-opencl.so.1)"; return 0; fi
    mkdir -p "$dir/vendors" && echo "$nvidia" > "$dir/vendors/nvidia.icd"
    export OCL_ICD_VENDORS="$dir/vendors"
    echo "OpenCL vendor: $nvidia (through OCL_ICD_VENDORS=$OCL_ICD_VENDORS)"
}

gpu_part() {
    "$root/kiln" plugins 2>&1 | grep -E -i '^backend' | head -6
    "$root/bench/gpu.sh" || echo "== part gpu ended with $?"   # no timeout around it: its parts' own would escape one
}

cpu_part() {
    rm -rf "$kit/cpu" && mkdir -p "$kit/cpu"
    THREADS="${THREADS:-$(nproc)}" ROUNDS="${ROUNDS:-1}" SHAPES="${SHAPES:-small gpt2-124M}" OUT="$kit/cpu" \
        TORCH_BENCH="${TORCH_BENCH:-$kit/torch-bench/torch_bench.py}" TORCH_PYTHON="${TORCH_PYTHON:-python3}" \
        timeout "${CPU_LIMIT:-300}" "$root/bench/vs-torch.sh" || echo "== part cpu ended with $?"
    tar -C "$kit" -cf "$out/cpu.tar" cpu
}

ops_part() {
    local t
    for t in 1 "${THREADS:-$(nproc)}"; do
        timeout "${OPS_LIMIT:-120}" "$root/kiln" bench --config small --threads "$t" --no-sgemm --no-infer --steps 10 --op-profile \
            > "$out/ops-$t.txt" 2>&1 || echo "== ops on $t threads ended with $?"
        grep -v '^{' "$out/ops-$t.txt" | grep -v '^  small: warm-up'
    done
}

gpu_ops_part() {
    local shape="${GPU_OPS_SHAPE:-gpt2-124M}"
    timeout "${GPU_OPS_LIMIT:-120}" "$root/kiln" --backend opencl bench --config "$shape" --steps 2 --warmup 1 --no-infer \
        --no-sgemm --op-profile > "$out/gpu-ops.txt" 2>&1 || echo "== gpu-ops ended with $?"
    grep -v '^{' "$out/gpu-ops.txt" | grep -v "^  $shape: warm-up"
}

tilings_part() { # the parts after it in the same run use the fastest tiling (unless KILN_OPENCL_MATMUL is set already)
    local dist="$root/runtime/cli/target/kiln" fastest
    . "$root/runtime/backend-opencl/opencl-loader.sh" && kiln_opencl_loader "$dist/opencl"
    timeout "${TILINGS_LIMIT:-120}" "$JAVA_HOME/bin/java" -Xmx8g --add-modules jdk.incubator.vector -cp "$dist/lib/*" \
        dev.kiln.backend.opencl.bench.MatmulTilingsBench "${KILN_OPENCL_DEVICE:--}" "${TILINGS_SHAPE:-gpt2-124M}" \
        > "$out/tilings.txt" 2>&1 || echo "== tilings ended with $?"
    grep -v "WARNING: Using incubator" "$out/tilings.txt"
    fastest="$(sed -n 's/^fastest: \([0-9]*,[0-9]*,[0-9]*\).*/\1/p' "$out/tilings.txt")"
    if [ -n "$fastest" ] && [ -z "${KILN_OPENCL_MATMUL:-}" ]; then
        echo "$fastest" > "$tiling_file"
        export KILN_OPENCL_MATMUL="$fastest"
        echo "== the parts after this one run with KILN_OPENCL_MATMUL=$fastest"
    fi
}

main() {
    echo "== $(date -u '+%Y-%m-%d %H:%M:%S') UTC, $(uname -n)"
    lscpu 2>/dev/null | grep -E -m3 'Model name|^CPU\(s\)|Thread\(s\) per core'
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    java_runtime || { echo "bench/device.sh: could not unpack $kit/jre.tar.xz"; return 1; }
    opencl_icd
    if [ -z "${KILN_OPENCL_MATMUL:-}" ] && [ -s "$tiling_file" ]; then   # chosen by an earlier run's tilings part
        export KILN_OPENCL_MATMUL="$(cat "$tiling_file")"
        echo "== KILN_OPENCL_MATMUL=$KILN_OPENCL_MATMUL (the fastest in an earlier tilings part on this machine)"
    fi
    local part
    for part in "$@"; do
        echo "== part $part ($(date -u +%H:%M:%S) UTC)"
        "${part//-/_}_part"
    done
    echo "== done $(date -u +%H:%M:%S) UTC"
}

mkdir -p "$out"
main "$@" 2>&1 | tee -a "$out/device.log"
exit "${PIPESTATUS[0]}"
