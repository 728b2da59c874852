#!/usr/bin/env bash
# Scores a policy of the SST-2 alignment demo (README: Alignment on SST-2) the way the table there is
# made: one sampled completion (24 new tokens, temperature 1, no top-k / top-p) of each of the 872
# GLUE-dev prompts, the KL to the starting model, the share the judge (a MiniLM sentiment classifier,
# not the reward model) calls positive, and the policy's perplexity on the positive dev sentences
# (each one a document, as the policy was pretrained).
# Usage: samples/alignment/judge.sh NAME MODEL_DIR        e.g. judge.sh dpo runs/sst2-dpo/model
# Needs: runs/sst2-clm/model (the reference), runs/sst2-reward/model (the reward model), runs/sst2-judge/hf (the judge),
# runs/alignment/* (prepare-sst2.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
name="$1"; model="$2"; out="$root/runs/alignment"
kiln="$root/kiln"
rm -rf "$out/$name-judge" "$out/$name-perplexity"       # zero-step runs: a second run must not resume the first
"$kiln" sample --model "$model" --reference "$root/runs/sst2-clm/model" --reward-model "$root/runs/sst2-reward/model" \
    --prompts "$out/prompts.txt" \
    --max-new-tokens 24 --temperature 1.0 --top-k 0 --top-p 1.0 --seed 1 \
    --out "$out/$name-samples.jsonl" --tsv "$out/$name-judge.tsv"
"$kiln" finetune --config "$root/samples/configs/sst2-judge-eval.yaml" \
    "data.train=$out/$name-judge.tsv" "data.test=$out/$name-judge.tsv" --out "$out/$name-judge" > "$out/$name-judge.log" 2>&1 \
    || { cat "$out/$name-judge.log" >&2; exit 1; }
grep -i "test accuracy" "$out/$name-judge.log"
"$kiln" finetune --config "$root/samples/configs/sst2-perplexity-eval.yaml" "finetune.from=$(cd "$model" && pwd)" \
    --out "$out/$name-perplexity" > "$out/$name-perplexity.log" 2>&1 || { cat "$out/$name-perplexity.log" >&2; exit 1; }
grep -i "test perplexity" "$out/$name-perplexity.log"
