#!/usr/bin/env bash
# Builds the data of the SST-2 "positive reviews" alignment demo from GLUE SST-2 in ../shared (read in
# place; what it writes goes under runs/, never into the repository):
#   runs/alignment/prompts.txt        the first 2-4 words of each GLUE dev sentence (872 prompts; the judge's prompts)
#   runs/alignment/dev-positive.tsv   the positive dev sentences (held-out perplexity of the policy)
#   runs/alignment/train-positive.tsv the positive training sentences (the SFT stage before DPO / PPO)
#   runs/alignment/prompts.jsonl      {prompt} from training sentences (GRPO / PPO prompts)
#   runs/alignment/pairs-train.jsonl  {prompt, chosen, rejected}: a training sentence's first 2-4 words, the rest of
#   runs/alignment/pairs-valid.jsonl  a positive sentence as chosen and the rest of a negative one as rejected (DPO, reward)
#   runs/alignment/pairs-both-train.jsonl  those pairs, each followed by its mirror: the negative sentence's first words as the
#                                     prompt, the same chosen and rejected (DPO: a negative opening continued positively too)
# Usage: samples/alignment/prepare-sst2.sh [SHARED_DATA_DIR]      (default ../shared/data beside the checkout)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="${1:-$root/../shared/data}/sst2"
# the GLUE files end their lines with CR LF: every awk below drops the CR
out="$root/runs/alignment"
for f in train.tsv dev.tsv; do
    [ -f "$data/$f" ] || { echo "prepare-sst2: $data/$f: no such file (GLUE SST-2 as label<TAB>sentence)" >&2; exit 1; }
done
mkdir -p "$out"

# prompts: words 1..k of each dev sentence, k = 2, 3, 4 in turn
awk -F'\t' 'NR > 1 { sub(/\r$/, ""); n = split($2, w, " "); k = 2 + (NR % 3); if (k > n) k = n; p = w[1];
    for (i = 2; i <= k; i++) p = p " " w[i]; print p }' "$data/dev.tsv" > "$out/prompts.txt"
awk -F'\t' 'NR == 1 { print "label\tsentence" } NR > 1 && $1 == 1 { sub(/\r$/, ""); print $1 "\t" $2 }' "$data/dev.tsv" > "$out/dev-positive.tsv"
# the positive training sentences (the SFT stage before DPO / PPO: sst2-sft-positive.yaml)
awk -F'\t' 'NR == 1 { print "label\tsentence" } NR > 1 && $1 == 1 { sub(/\r$/, ""); print $1 "\t" $2 }' "$data/train.tsv" > "$out/train-positive.tsv"

# JSON string escaping for the rows below
json='function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }'

# training sentences of at least 8 words, shuffled (seeded), positives paired with negatives in turn
awk -F'\t' -v seed=2026 'BEGIN { srand(seed) } NR > 1 { sub(/\r$/, "") } NR > 1 && split($2, w, " ") >= 8 { print rand() "\t" $1 "\t" $2 }' "$data/train.tsv" \
    | sort -k1,1 -g | cut -f2- > "$out/.long.tsv"
awk -F'\t' "$json"'
    $1 == 1 { pos[np++] = $2 } $1 == 0 { neg[nn++] = $2 }
    END {
        pairs = np < nn ? np : nn
        for (i = 0; i < pairs; i++) {
            k = 2 + (i % 3)
            n = split(pos[i], a, " "); p = a[1]; for (j = 2; j <= k; j++) p = p " " a[j]
            c = ""; for (j = k + 1; j <= n; j++) c = c " " a[j]
            m = split(neg[i], b, " "); r = ""; for (j = k + 1; j <= m; j++) r = r " " b[j]
            pp = b[1]; for (j = 2; j <= k; j++) pp = pp " " b[j]
            file = i < 300 ? "valid" : "train"
            print "{\"prompt\": " q(p) ", \"chosen\": " q(c) ", \"rejected\": " q(r) "}" > (OUT "/pairs-" file ".jsonl")
            if (file == "train") {
                print "{\"prompt\": " q(p) ", \"chosen\": " q(c) ", \"rejected\": " q(r) "}" > (OUT "/pairs-both-train.jsonl")
                print "{\"prompt\": " q(pp) ", \"chosen\": " q(c) ", \"rejected\": " q(r) "}" > (OUT "/pairs-both-train.jsonl")
            }
            print "{\"prompt\": " q(p) "}" > (OUT "/prompts.jsonl")
            print "{\"prompt\": " q(pp) "}" > (OUT "/prompts.jsonl")
        }
    }' OUT="$out" "$out/.long.tsv"
rm -f "$out/.long.tsv"
wc -l "$out"/prompts.txt "$out"/dev-positive.tsv "$out"/train-positive.tsv "$out"/prompts.jsonl "$out"/pairs-train.jsonl "$out"/pairs-valid.jsonl "$out"/pairs-both-train.jsonl
