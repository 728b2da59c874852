# Sourced by bench/vs-torch.sh and bench/vs-torch-generate.sh: how the PyTorch reference meets OpenBLAS.
# OPENBLAS_* variables in the environment override what OpenBLAS finds on the CPU, and a host may set them: the 2-core
# AMD EPYC (Zen 5) of 2026-12-07 exported OPENBLAS_CORETYPE=Haswell, whose AVX2 kernels multiplied 2048² matrices at
# 196 GFLOP/s where OpenBLAS's own choice there, Cooperlake (AVX-512), reached 344-377 (bench/JOURNAL.md, seventeenth
# session). So the reference runs as a default install does, without them, unless TORCH_KEEP_OPENBLAS_ENV=1.
torch_blas_env=()
if [ "${TORCH_KEEP_OPENBLAS_ENV:-0}" != 1 ]; then
    for v in $(compgen -e | grep '^OPENBLAS_' || true); do torch_blas_env+=(-u "$v"); done
fi

# torch_blas_report PYTHON: one line naming the OpenBLAS core the reference runs on, and the variables left out
torch_blas_report() {
    local core
    core="$(env "${torch_blas_env[@]}" OPENBLAS_VERBOSE=2 "$1" -c "import torch; torch.ones(64, 64) @ torch.ones(64, 64)" 2>&1 \
        | grep -m1 '^Core:' | sed 's/^Core: *//')"
    local dropped="${torch_blas_env[*]}"
    echo "PyTorch's OpenBLAS core: ${core:-not reported}${dropped:+ (left out of its environment: ${dropped//-u /})}"
}
