#!/usr/bin/env bash
# On-policy DPO for the SST-2 alignment demo (README: Alignment on SST-2): the starting policy samples
# 4 continuations of each of 2,000 training prompts, the reward model ranks them, and each prompt's best
# and worst sample become a preference pair; DPO then trains on those pairs (sst2-dpo.yaml without its RPO term).
# Needs: runs/sst2-clm/model, runs/sst2-reward/model, runs/alignment/* (prepare-sst2.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/runs/alignment"
head -2000 "$out/prompts.jsonl" > "$out/prompts-2k.jsonl"
"$root/kiln" sample --model "$root/runs/sst2-clm/model" --reward-model "$root/runs/sst2-reward/model" \
    --prompts "$out/prompts-2k.jsonl" --samples-per-prompt 4 --pairs "$out/onpolicy-pairs.jsonl" \
    --out "$out/onpolicy-samples.jsonl" --max-new-tokens 24 --temperature 1.0 --top-k 0 --top-p 1.0 --seed 100
"$root/kiln" finetune --config "$root/samples/configs/sst2-dpo.yaml" --out "$root/runs/sst2-dpo-onpolicy" \
    "data.train=$out/onpolicy-pairs.jsonl" train.steps=350 train.lr=0.0001 finetune.signal.rpo_alpha=0
