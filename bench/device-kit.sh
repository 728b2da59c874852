#!/usr/bin/env bash
# bench/device-kit.sh: pack, on this build machine, what bench/device.sh needs on a GPU machine that has no Java,
# no Maven and no network: .devkit/ (ignored by git) then holds
#   jre.tar.xz      a Java runtime made with jlink from this JDK: the modules jdeps finds in the distribution's jars
#                   (less javassist's agent and debugger ones, which Kiln never loads), xz-compressed
#   libOpenCL.so.1  Debian's OpenCL ICD loader (ocl-icd-libopencl1), used only where the GPU machine has none
#   torch-bench/    ../shared/bench (the PyTorch reference), for the 16-core comparison
# and the distribution is built (runtime/cli/target/kiln). Copy the checkout with both folders to the GPU machine
# (they are about 50 MB together with the tracked files) and run bench/device.sh there.
#
#   bench/device-kit.sh              # JAVA_HOME picks the JDK whose runtime is packed (default: java on the PATH)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kit="$root/.devkit"
dist="$root/runtime/cli/target/kiln"
"$root/kiln" --version >/dev/null                 # builds the distribution when needed

java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
for tool in jlink jdeps; do
    [ -x "$java_home/bin/$tool" ] || { echo "bench/device-kit.sh: $java_home/bin/$tool is missing (set JAVA_HOME to a JDK)" >&2; exit 1; }
done
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
rm -rf "$kit"; mkdir -p "$kit"

modules="$("$java_home/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps -q \
    "$dist"/lib/*.jar "$dist"/plugins/*/*.jar | tail -1)"
modules="$(tr , '\n' <<<"$modules" | grep -vxE 'jdk\.jdi|jdk\.attach|java\.instrument' | paste -sd, -)"
echo "jlink: $modules"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
    --output "$work/jre" 2>&1 | grep -v "incubator modules" || true
"$work/jre/bin/java" -version 2>&1 | head -1
tar -C "$work" -cJf "$kit/jre.tar.xz" jre

(cd "$work" && apt-get download -q ocl-icd-libopencl1 >/dev/null)
dpkg -x "$work"/ocl-icd-libopencl1_*.deb "$work/icd"
cp -L "$(find "$work/icd" -name 'libOpenCL.so.1' | head -1)" "$kit/libOpenCL.so.1"

reference="$root/../shared/bench"
if [ -f "$reference/torch_bench.py" ]; then
    mkdir -p "$kit/torch-bench" && cp "$reference"/*.py "$reference"/*.json "$kit/torch-bench/"
else
    echo "bench/device-kit.sh: no $reference/torch_bench.py; bench/device.sh cpu will have no PyTorch to compare with" >&2
fi
du -sh "$kit" "$dist"
