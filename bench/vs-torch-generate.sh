#!/usr/bin/env bash
# bench/vs-torch-generate.sh: Kiln's sampling throughput against PyTorch's in one sitting: `kiln bench --generate` and
# bench/torch_generate.py (the same rollouts: N rows of a random prompt, 16 tokens unless PROMPT says, as one batch,
# then 32 new tokens a row (NEW_TOKENS) from the KV cache, temperature 1, on a random model of the bench shape)
# alternating, Kiln first in each pair, on the same thread count. Per row count: each round's sampled tokens/s,
# Kiln / PyTorch, and the median ratio; then the prompt pass alone (rows × prompt tokens through the model), ms,
# Kiln / PyTorch.
#
#   bench/vs-torch-generate.sh                     # 2 rounds of gpt2-124M at 1, 4, 8, 16, 32 and 64 rows (about 7 minutes)
#   ROUNDS=3 ROWS=8,16 CONFIG=small bench/vs-torch-generate.sh
#   ROWS=1 PROMPT=64 NEW_TOKENS=8 bench/vs-torch-generate.sh   # a single prompt's pass, as `kiln generate` starts
#   bench/vs-torch-generate.sh --summarize DIR     # the table again from a finished sitting's JSON lines
#
# Environment: ROUNDS (2), CONFIG (gpt2-124M), ROWS (1,4,8,16,32,64), PROMPT (16), NEW_TOKENS (32), THREADS (2),
# OUT (a new directory under /tmp), TORCH_PYTHON (/usr/bin/python3, the interpreter that has torch;
# ../shared/bench/README.md sets up a fair OpenBLAS), TORCH_KEEP_OPENBLAS_ENV (0: see bench/torch-blas.sh),
# JAVA_HOME and KILN_JAVA_OPTS as for ./kiln. Nothing else should run during a sitting.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

summarize() { # summarize DIR: per row count, each round's Kiln / PyTorch sampled tokens/s and ratio, then the median
    python3 - "$1" <<'PY'
import glob, json, os, statistics, sys
d = sys.argv[1]
def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.startswith("{")]
runs = {}
for path in sorted(glob.glob(os.path.join(d, "*_*.jsonl"))):
    impl, n = os.path.basename(path)[:-6].split("_")
    for r in lines(path):
        runs.setdefault(r["rows"], {}).setdefault(int(n), {})[impl] = r
print(f"{'rows':>4}  rounds: Kiln / PyTorch sampled tokens/s = ratio    median ratio")
for rows in sorted(runs):
    cells, ratios = [], []
    for n in sorted(runs[rows]):
        k, t = runs[rows][n].get("kiln"), runs[rows][n].get("torch")
        if not k or not t:
            cells.append("-"); continue
        x = k["sampled_tok_s"] / t["sampled_tok_s"]
        ratios.append(x)
        cells.append(f"{k['sampled_tok_s']:,.1f} / {t['sampled_tok_s']:,.1f} = {x:.2f}")
    print(f"{rows:>4}  {' | '.join(cells)}    {statistics.median(ratios):.2f}" if ratios else f"{rows:>4}  -")
print(f"{'rows':>4}  prompt pass, rounds: Kiln / PyTorch ms")
for rows in sorted(runs):
    pairs = [runs[rows][n] for n in sorted(runs[rows])]
    cells = [f"{p['kiln']['prompt_ms']:,.1f} / {p['torch']['prompt_ms']:,.1f}" for p in pairs if "kiln" in p and "torch" in p]
    print(f"{rows:>4}  {' | '.join(cells) or '-'}")
PY
}

if [ "${1:-}" = "--summarize" ]; then
    [ -d "${2:-}" ] || { echo "bench/vs-torch-generate.sh --summarize: no directory '${2:-}'" >&2; exit 2; }
    summarize "$2"; exit $?
fi

rounds="${ROUNDS:-2}" threads="${THREADS:-2}" config="${CONFIG:-gpt2-124M}" rows="${ROWS:-1,4,8,16,32,64}"
prompt="${PROMPT:-16}" new_tokens="${NEW_TOKENS:-32}"
torch_python="${TORCH_PYTHON:-/usr/bin/python3}"
"$torch_python" -c "import torch" 2>/dev/null || { echo "bench/vs-torch-generate.sh: $torch_python cannot import torch (set TORCH_PYTHON)" >&2; exit 2; }
"$root/kiln" --version >/dev/null || exit 1          # builds the distribution when needed
out="${OUT:-$(mktemp -d /tmp/kiln-vs-torch-generate.XXXXXX)}"; mkdir -p "$out"
echo "bench/vs-torch-generate.sh: $rounds rounds of $config at $rows rows ($prompt-token prompts, $new_tokens new tokens) on $threads threads; JSON lines in $out"
lscpu 2>/dev/null | grep -m1 "Model name" || true
. "$root/bench/torch-blas.sh"
torch_blas_report "$torch_python"
for n in $(seq 1 "$rounds"); do
    echo "round $n of $rounds ($(date -u +%H:%M:%S) UTC)"
    (cd "$root" && KILN_NO_BUILD=1 ./kiln bench --generate --config "$config" --threads "$threads" --rows "$rows" \
        --prompt "$prompt" --new-tokens "$new_tokens" 2>/dev/null \
        | grep -E '^\{') > "$out/kiln_$n.jsonl"
    env "${torch_blas_env[@]}" OMP_NUM_THREADS="$threads" "$torch_python" "$root/bench/torch_generate.py" --config "$config" --threads "$threads" \
        --rows "$rows" --prompt "$prompt" --new-tokens "$new_tokens" 2>/dev/null | grep -E '^\{' > "$out/torch_$n.jsonl"
done
summarize "$out"
