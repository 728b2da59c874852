#!/usr/bin/env bash
# Datasets larger than memory, measured: `kiln prepare` throughput (byte tokenizer and GPT-2 BPE),
# time to the first training step, training tokens/s and peak RSS, on generated corpora of
# several sizes (training twice per size, alternating between sizes); then prepare + train under
# -Xmx512m on a 600 MB corpus. Prints a Markdown table (the README's) and keeps the logs in $WORK.
#
#   samples/bench/data-scale.sh [SIZE_MB ...]      default: 10 1000 10000
#
# Needs: the built distribution (./kiln builds it; or mvn -B package -DskipTests), GNU time,
# python3, ../shared/data/gpt2-bpe, and disk: a 10 GB corpus takes ~10 GB of text + ~20 GB of
# byte-token shards + ~5 GB of BPE shards under $WORK (default /tmp/kiln-data-scale). Nothing is
# written into the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DIST=${DIST:-$ROOT/runtime/cli/target/kiln}
WORK=${WORK:-/tmp/kiln-data-scale}
BPE=$ROOT/../shared/data/gpt2-bpe
STEPS=${STEPS:-40}
SIZES=("${@:-10 1000 10000}")
[ -d "$DIST/lib" ] || { echo "build first: ./kiln --version (or mvn -B package -DskipTests)" >&2; exit 1; }
mkdir -p "$WORK"

kiln() {   # kiln JAVA_OPTS ARGS... ; the default heap is ./kiln's (-Xmx4g)
    local opts=$1; shift
    KILN_PLUGINS=$DIST/plugins java $opts --add-modules jdk.incubator.vector -cp "$DIST/lib/*" dev.kiln.cli.KilnCli "$@"
}

corpus() {  # corpus SIZE_MB -> path
    local f=$WORK/corpus-$1mb.txt
    [ -f "$f" ] || java "$ROOT/samples/pipelines/src/main/java/dev/kiln/samples/corpus/CorpusGenerator.java" "$f" $(( $1 * 1000000 )) 7 >&2
    echo "$f"
}

prepare() {  # prepare TOKENIZER_YAML CORPUS OUT OPTS -> "MB/s peakRSS_MB"
    local tok=$1 src=$2 out=$3 opts=${4:--Xmx4g}
    rm -rf "$out"
    printf 'seed: 1\ntokenizer: %s\ndata: {train: %s, validation_fraction: 0.001}\n' "$tok" "$src" > "$out.yaml"
    /usr/bin/time -f '%M' -o "$out.rss" bash -c "$(declare -f kiln); DIST=$DIST; kiln '$opts' prepare --config '$out.yaml' --out '$out'" \
        > "$out.log" 2> "$out.err"
    local mbs; mbs=$(sed -n 's/.* s: \([0-9.]*\) MB\/s$/\1/p' "$out.log")
    echo "$mbs $(( $(cat "$out.rss") / 1024 ))"
}

train() {  # train PREPARED OPTS -> "first_step_s tok/s peakRSS_MB"
    local data=$1 opts=${2:--Xmx4g} run=$1.run
    rm -rf "$run"
    cat > "$run.yaml" <<YAML
seed: 1
tokenizer: {type: byte}
model: {preset: gpt2, d_model: 192, layers: 4, heads: 6, max_seq: 128, dropout: 0.1}
data: {train: $data}
objective: clm
train: {steps: $STEPS, batch_size: 16, seq_len: 128, lr: 0.002, warmup: 10, eval_every: 0, checkpoint_every: 0, log_every: 1}
YAML
    local t0; t0=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$run.rss" bash -c "$(declare -f kiln); DIST=$DIST; kiln '$opts' pretrain --config '$run.yaml' --out '$run' --no-sample" \
        > "$run.log" 2> >(while IFS= read -r l; do
            case "$l" in "step 1/"*) date +%s.%N > "$run.first";; esac; echo "$l"; done > "$run.err")
    sleep 0.5
    python3 - "$run" "$t0" <<'PY'
import json, statistics, sys
run, t0 = sys.argv[1], float(sys.argv[2])
first = float(open(run + ".first").read()) - t0
tps = [json.loads(l)["tokens_per_s"] for l in open(run + "/metrics.jsonl") if '"type":"train"' in l.replace(" ", "")]
rss = int(open(run + ".rss").read().split()[-1]) // 1024
print(f"{first:.1f} {statistics.median(tps[5:]):.0f} {rss}")
PY
}

echo "host: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; java: $(java -version 2>&1 | head -1)"
echo
declare -A BYTE BPEM FIRST TPS TRSS
for mb in ${SIZES[@]}; do
    src=$(corpus "$mb")
    if [ -n "${SKIP_PREPARE:-}" ] && [ -f "$WORK/p-byte-$mb/kiln-prepared.json" ]; then   # re-measure training only
        BYTE[$mb]="-"; BPEM[$mb]="-"; continue
    fi
    BYTE[$mb]=$(prepare '{type: byte}' "$src" "$WORK/p-byte-$mb")
    BPEM[$mb]=$(prepare "{type: bpe, path: $BPE}" "$src" "$WORK/p-bpe-$mb")
    rm -rf "$WORK/p-bpe-$mb"                                   # only its throughput is measured
done
for rep in $(seq "${REPS:-2}"); do                                             # training runs alternate between sizes
    for mb in ${SIZES[@]}; do
        read -r first tps trss <<< "$(train "$WORK/p-byte-$mb")"
        FIRST[$mb]="${FIRST[$mb]:-}${FIRST[$mb]:+ / }$first"; TPS[$mb]="${TPS[$mb]:-}${TPS[$mb]:+ / }$tps"
        TRSS[$mb]="${TRSS[$mb]:-}${TRSS[$mb]:+ / }$trss"
    done
done
echo "| corpus | prepare, byte: MB/s, peak RSS MB | prepare, GPT-2 BPE: MB/s, peak RSS MB | first training step, s | training tokens/s | training peak RSS, MB |"
echo "|---|---|---|---|---|---|"
for mb in ${SIZES[@]}; do
    echo "| $mb MB | ${BYTE[$mb]/ /, } | ${BPEM[$mb]/ /, } | ${FIRST[$mb]} | ${TPS[$mb]} | ${TRSS[$mb]} |"
done

echo
# real English (tinyshakespeare repeated to ~100 MB): the generated corpus's small vocabulary flatters BPE's cache
real=$WORK/shakespeare-100mb.txt
[ -f "$real" ] || for i in $(seq 90); do cat "$ROOT/../shared/data/tinyshakespeare/input.txt"; printf '\n\n\n'; done > "$real"
read -r smbs srss <<< "$(prepare "{type: bpe, path: $BPE}" "$real" "$WORK/p-bpe-shakespeare")"
rm -rf "$WORK/p-bpe-shakespeare"
echo "GPT-2 BPE on tinyshakespeare x90 (100 MB of real English): prepare $smbs MB/s (peak RSS $srss MB)"
src=$(corpus 600)
read -r bmbs brss <<< "$(prepare '{type: byte}' "$src" "$WORK/p-small-heap" -Xmx512m)"
read -r first tps trss <<< "$(train "$WORK/p-small-heap" -Xmx512m)"
echo "-Xmx512m, 600 MB corpus: prepare $bmbs MB/s (peak RSS $brss MB); training first step ${first} s, $tps tok/s, peak RSS $trss MB"
