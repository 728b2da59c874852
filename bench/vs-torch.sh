#!/usr/bin/env bash
# bench/vs-torch.sh: Kiln's CPU backend against the PyTorch reference in one sitting, issue 16's protocol:
# alternating runs, Kiln first in each pair, both on the same thread count; training and forward-only tokens/s per
# shape, the ratio Kiln / PyTorch of each pair and their median. gpt2-124M trains with --steps 5 --warmup 2 --no-infer
# on both sides and runs forward-only apart (--steps 1 --warmup 1 --infer-steps 5); every Kiln training run also
# measures the FMA ceiling (1 s), and gpt2-124M's training GFLOP/s are given as a share of the sitting's best reading
# (a sitting's single reading once came out at half the host's usual). A pair whose PyTorch run saw other CPU
# load in every timed step (torch_bench's train_clean_steps 0) is left out of the median and marked. Under each shape's
# training row, Kiln's core-to-core round trip before and after its timed steps says which of the host's two states
# (cores sharing a cache or not) the run met.
#
#   bench/vs-torch.sh                          # 3 rounds of tiny, small and gpt2-124M (about 10-15 minutes)
#   ROUNDS=2 SHAPES="tiny small" bench/vs-torch.sh
#   REPLICAS=2 bench/vs-torch.sh               # Kiln's tiny and small as 2 data-parallel replicas of 1 thread each
#   bench/vs-torch.sh --summarize DIR          # the table again from a finished sitting's JSON lines
#
# Environment: ROUNDS (3), SHAPES ("tiny small gpt2-124M"), THREADS (2), REPLICAS (1: `kiln bench --replicas` for tiny
# and small; gpt2-124M stays one model, its two replicas' training state would not fit ./kiln's heap), OUT (a new directory under /tmp),
# TORCH_BENCH (../shared/bench/torch_bench.py beside this checkout), TORCH_PYTHON (/usr/bin/python3, the interpreter
# that has torch; see the bench's README for a fair OpenBLAS setup), TORCH_KEEP_OPENBLAS_ENV (0: PyTorch runs without
# the environment's OPENBLAS_* overrides, see bench/torch-blas.sh), JAVA_HOME and KILN_JAVA_OPTS as for ./kiln.
# Nothing else should run during a sitting: both sides share the same cores, and a stray job moves the ratios.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

summarize() { # summarize DIR: per shape, each round's Kiln / PyTorch tokens/s and ratio, then the median
    python3 - "$1" <<'EOF'
import glob, json, os, statistics, sys
d = sys.argv[1]
def load(name):
    try:
        with open(os.path.join(d, name)) as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return None
rounds = sorted({int(p.rsplit("_", 1)[1][:-5]) for p in glob.glob(os.path.join(d, "kiln_*_*.json"))})
# (label, run, key): gpt2-124M's forward-only comes from a run of its own, the other shapes' from the training run
rows = [("training", "train", "train_tok_s_med"), ("forward-only", "train", "infer_tok_s_med"),
        ("forward-only", "infer", "infer_tok_s_med")]
order = ["tiny", "small", "gpt2-124M"]
# the FMA ceiling: the best of the sitting's readings (each Kiln training run takes one)
peaks = [r["fma_peak_gflops"] for r in (load(os.path.basename(p)) for p in glob.glob(os.path.join(d, "kiln_*_train_*.json")))
         if r and "fma_peak_gflops" in r]
peak = max(peaks) if peaks else None
print(f"{'shape':10} {'measure':13} rounds (Kiln / PyTorch = ratio)    median ratio")
shapes = sorted({os.path.basename(p).split("_")[1] for p in glob.glob(os.path.join(d, "kiln_*_*.json"))},
                key=lambda s: order.index(s) if s in order else len(order))
for shape in shapes:
    for label, run, key in rows:
        if (run == "infer") != (shape == "gpt2-124M" and label == "forward-only"): continue
        cells, ratios = [], []
        for n in rounds:
            k, t = load(f"kiln_{shape}_{run}_{n}.json"), load(f"torch_{shape}_{run}_{n}.json")
            if not k or not t or key not in k or key not in t:
                cells.append("-"); continue
            clean = t.get("train_clean_steps" if key.startswith("train") else "infer_clean_steps", 1) != 0
            x = k[key] / t[key]
            cells.append(f"{k[key]:,.1f} / {t[key]:,.1f} = {x:.2f}" + ("" if clean else " (PyTorch loaded, left out)"))
            if clean: ratios.append(x)
        med = f"{statistics.median(ratios):.2f}" if ratios else "-"
        print(f"{shape:10} {label:13} {' | '.join(cells)}    {med}")
        if label == "training":
            # Kiln's core-to-core round trips (ns) right before and after its timed steps: about 70 while the host's
            # two vCPUs share a cache, several hundred while they do not (bench/JOURNAL.md, thirteenth session)
            trips = [load(f"kiln_{shape}_train_{n}.json") or {} for n in rounds]
            if any("replicas" in k for k in trips):
                print(f"{'':10} {'replicas':13} " + " | ".join(str(k.get("replicas", 1)) for k in trips))
            if any("core_round_trip_ns_before" in k for k in trips):
                print(f"{'':10} {'round trip ns':13} " + " | ".join(
                    f"{k.get('core_round_trip_ns_before', '-')} → {k.get('core_round_trip_ns_after', '-')}" for k in trips))
    if shape == "gpt2-124M" and peak:
        g = [r["train_gflops_med"] for r in (load(f"kiln_gpt2-124M_train_{n}.json") for n in rounds) if r]
        if g: print(f"{'':10} {'GFLOP/s':13} {' | '.join(f'{x:.1f} ({100 * x / peak:.0f}% of {peak:.1f})' for x in g)}"
                    f"    ceiling: best of {len(peaks)} readings, {min(peaks):.1f}-{peak:.1f}")
EOF
}

if [ "${1:-}" = "--summarize" ]; then
    [ -d "${2:-}" ] || { echo "bench/vs-torch.sh --summarize: no directory '${2:-}'" >&2; exit 2; }
    summarize "$2"; exit $?
fi

rounds="${ROUNDS:-3}" threads="${THREADS:-2}" shapes="${SHAPES:-tiny small gpt2-124M}" replicas="${REPLICAS:-1}"
torch_bench="${TORCH_BENCH:-$root/../shared/bench/torch_bench.py}" torch_python="${TORCH_PYTHON:-/usr/bin/python3}"
[ -f "$torch_bench" ] || { echo "bench/vs-torch.sh: no PyTorch reference at $torch_bench (set TORCH_BENCH)" >&2; exit 2; }
"$torch_python" -c "import torch" 2>/dev/null || { echo "bench/vs-torch.sh: $torch_python cannot import torch (set TORCH_PYTHON)" >&2; exit 2; }
"$root/kiln" --version >/dev/null || exit 1          # builds the distribution when needed
out="${OUT:-$(mktemp -d /tmp/kiln-vs-torch.XXXXXX)}"; mkdir -p "$out"
echo "bench/vs-torch.sh: $rounds rounds of $shapes on $threads threads$([ "$replicas" = 1 ] || echo " (Kiln's tiny and small as $replicas replicas)"); JSON lines in $out"
lscpu 2>/dev/null | grep -m1 "Model name" || true
. "$root/bench/torch-blas.sh"
torch_blas_report "$torch_python"

json() { grep -E '^\{' | tail -1; }   # the JSON line of a run (both benches print one last)
kiln_run() { # kiln_run FILE ARGS...
    local f="$1"; shift
    (cd "$root" && KILN_NO_BUILD=1 ./kiln bench --threads "$threads" --no-sgemm "$@" 2>/dev/null | json) > "$out/$f"
}
torch_run() { # torch_run FILE ARGS...
    local f="$1"; shift
    (cd "$(dirname "$torch_bench")" && env "${torch_blas_env[@]}" OMP_NUM_THREADS="$threads" "$torch_python" "$torch_bench" \
        --threads "$threads" "$@" 2>/dev/null | json) > "$out/$f"
}
for n in $(seq 1 "$rounds"); do
    echo "round $n of $rounds ($(date -u +%H:%M:%S) UTC)"
    for shape in $shapes; do
        if [ "$shape" = gpt2-124M ]; then
            kiln_run "kiln_${shape}_train_$n.json" --config "$shape" --steps 5 --warmup 2 --no-infer --fma-peak
            torch_run "torch_${shape}_train_$n.json" --config "$shape" --steps 5 --warmup 2 --no-infer
            kiln_run "kiln_${shape}_infer_$n.json" --config "$shape" --steps 1 --warmup 1 --infer-steps 5
            torch_run "torch_${shape}_infer_$n.json" --config "$shape" --steps 1 --warmup 1 --infer-steps 5
        else
            kiln_run "kiln_${shape}_train_$n.json" --config "$shape" --fma-peak --replicas "$replicas"
            torch_run "torch_${shape}_train_$n.json" --config "$shape"
        fi
    done
done
summarize "$out"
