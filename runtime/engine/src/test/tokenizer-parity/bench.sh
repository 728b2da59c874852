#!/usr/bin/env bash
# The tokenizer speed benchmark (dev.kiln.runtime.tokenizer.parity.TokenizerSpeedBenchmark): Kiln vs
# Hugging Face's Rust tokenizers, encode MB/s on one core, printed as a Markdown table.
# Usage, from anywhere in the clone: bash runtime/engine/src/test/tokenizer-parity/bench.sh [ROUNDS]
# Fetches the parity files if missing (fetch.sh), compiles the engine's tests offline (after one
# online build has fetched the dependencies) and runs the benchmark pinned to one CPU.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../../.." && pwd)"
engine="$root/runtime/engine"
cd "$root"
bash "$engine/src/test/tokenizer-parity/fetch.sh" >/dev/null
mvn -B -o -q -pl runtime/engine -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/parity-classpath.txt
cp="$engine/target/test-classes:$engine/target/classes:$(cat "$engine/target/parity-classpath.txt")"
export RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false   # the Rust batch call on one thread too
pin=""; command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
cd "$engine"
exec $pin java -Xmx3g -cp "$cp" dev.kiln.runtime.tokenizer.parity.TokenizerSpeedBenchmark "$@"
