# Sourced by ./kiln and bench/gpu.sh: kiln_opencl_loader DIR
# JOCL opens the OpenCL ICD loader by its development name, libOpenCL.so, which Debian and Ubuntu install only
# with ocl-icd-opencl-dev; a machine with a GPU driver often has just the runtime's libOpenCL.so.1. Where the
# linker knows libOpenCL.so.1 but not libOpenCL.so, this points DIR/libOpenCL.so at it and puts DIR first on
# LD_LIBRARY_PATH (read when the JVM starts, so it must be set before). Nothing changes where libOpenCL.so is
# found, where no ICD loader is installed, or off Linux.
kiln_opencl_loader() {
    local dir="$1" listing so1
    command -v ldconfig >/dev/null 2>&1 || [ -x /sbin/ldconfig ] || return 0
    listing="$( (command -v ldconfig >/dev/null 2>&1 && ldconfig -p || /sbin/ldconfig -p) 2>/dev/null)" || return 0
    grep -q 'libOpenCL\.so (' <<<"$listing" && return 0
    so1="$(sed -n 's/^[[:space:]]*libOpenCL\.so\.1 (.*=> \(.*\)$/\1/p' <<<"$listing")"
    so1="${so1%%$'\n'*}"                       # the first, without a pipe that set -o pipefail could trip on
    [ -n "$so1" ] || return 0
    mkdir -p "$dir" 2>/dev/null && ln -sfn "$so1" "$dir/libOpenCL.so" 2>/dev/null || return 0
    export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}
