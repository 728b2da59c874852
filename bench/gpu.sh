#!/usr/bin/env bash
# bench/gpu.sh: Kiln's OpenCL backend on a GPU, in under 5 minutes: device-resident matmul GFLOP/s at
# 1024³, 2048³ and 4096³ (A·B and the two transposed products backward uses), the host's cost per launch
# (LaunchBench), then training tokens/s on the small and gpt2-124M benchmark shapes (kiln bench --backend opencl).
# Each part has its own time limit and prints its error instead of stopping the script, so one failing shape still
# leaves the rest. When small's training fails (not by its time limit) it runs once more in sync mode
# (KILN_OPENCL_SYNC=1, every launch waited for), so that the error names the kernel that faulted rather than the
# download after it.
#
#   bench/gpu.sh                      # the default OpenCL device (a GPU when there is one)
#   KILN_OPENCL_DEVICE=1 bench/gpu.sh # another device (index or name substring; see: ./kiln plugins)
#
# Needs an OpenCL ICD for the GPU (NVIDIA: libnvidia-opencl.so.1 named in /etc/OpenCL/vendors/nvidia.icd)
# and the ICD loader (libOpenCL.so.1, Debian: ocl-icd-libopencl1; JOCL opens it as libOpenCL.so, and where only
# libOpenCL.so.1 is installed this script and ./kiln link that name to it). JAVA_HOME and KILN_JAVA_OPTS as for ./kiln.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kiln="$root/kiln"
"$kiln" --version >/dev/null || exit 1          # builds the distribution when needed
dist="$root/runtime/cli/target/kiln"
. "$root/runtime/backend-opencl/opencl-loader.sh"           # MatmulBench runs java itself: the same libOpenCL.so link
kiln_opencl_loader "$dist/opencl"
java="${JAVA_HOME:+$JAVA_HOME/bin/java}"; java="${java:-java}"
part() { # part SECONDS TITLE COMMAND...: run one measurement under a time limit, report how it ended
    local limit="$1" title="$2"; shift 2
    echo "== $title (limit ${limit}s)"
    local t0=$SECONDS rc=0
    timeout "$limit" "$@" || rc=$?
    if [ "$rc" -eq 124 ]; then echo "== $title: stopped at the ${limit}s limit"
    elif [ "$rc" -ne 0 ]; then echo "== $title: failed (exit $rc)"
    else echo "== $title: done in $((SECONDS - t0))s"; fi
    last_rc=$rc
}
part 90 "matmul on the device" "$java" ${KILN_JAVA_OPTS:--Xmx8g} --add-modules jdk.incubator.vector -cp "$dist/lib/*" \
    dev.kiln.backend.opencl.bench.MatmulBench "${KILN_OPENCL_DEVICE:--}" 1024 2048 4096 2>&1 | grep -v "WARNING: Using incubator"
part 60 "launch cost on the host" "$java" ${KILN_JAVA_OPTS:--Xmx2g} --add-modules jdk.incubator.vector -cp "$dist/lib/*" \
    dev.kiln.backend.opencl.bench.LaunchBench "${KILN_OPENCL_DEVICE:--}" 2>&1 | grep -v "WARNING: Using incubator"
part 90 "training, small" "$kiln" --backend opencl bench --config small --steps 5 --warmup 2 --infer-steps 5 --no-sgemm
if [ "$last_rc" -ne 0 ] && [ "$last_rc" -ne 124 ] && [ -z "${KILN_OPENCL_SYNC:-}" ]; then
    # a kernel's fault surfaces at a later download: once more with every launch waited for, which names the kernel
    KILN_OPENCL_SYNC=1 part 60 "training, small, in sync mode" "$kiln" --backend opencl bench --config small --steps 1 --warmup 1 --no-infer --no-sgemm
fi
part 150 "training, gpt2-124M" "$kiln" --backend opencl bench --config gpt2-124M --steps 5 --warmup 2 --no-infer --no-sgemm
