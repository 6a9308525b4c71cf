#!/usr/bin/env bash
# cuda_pack.sh — packs the programs `make cuda` built, with the Debian shared
# libraries they need beyond glibc and the CUDA toolkit, into one archive for a
# GPU machine that runs another distribution (the lent GPU machines: CUDA is
# there, Debian's OpenBLAS, OpenMPI, SQLite, ... are not):
#   bench/cuda_pack.sh [OUT.tgz]      default .devlibs/devpack.tgz
# On the GPU machine:
#   tar -C .devlibs -xzf .devlibs/devpack.tgz && mkdir -p build/cuda && cp .devlibs/bin/* build/cuda/
#   export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$PWD/.devlibs/lib
set -euo pipefail
cd "$(dirname "$0")/.."
OUTF=${1:-.devlibs/devpack.tgz}
PROGS=(build/cuda/rlhf build/cuda/test_cuda_vs_cpu build/cuda/bench_cuda)
for p in "${PROGS[@]}"; do [ -x "$p" ] || { echo "cuda_pack: $p missing: run make cuda" >&2; exit 1; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/lib"
cp "${PROGS[@]}" "$tmp/bin/"
# every resolved library except glibc's own, the C++ runtime and CUDA's
ldd "${PROGS[@]}" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u |
    grep -Ev '/(libc|libm|libpthread|libdl|librt|libresolv|ld-linux[^/]*|libstdc\+\+|libgcc_s)\.so|/cuda' |
    while read -r lib; do cp -L "$lib" "$tmp/lib/"; done
mkdir -p "$(dirname "$OUTF")"
tar -C "$tmp" -czf "$OUTF" bin lib
echo "cuda_pack: $OUTF ($(du -h "$OUTF" | cut -f1)): $(ls "$tmp/bin" | tr '\n' ' ')+ $(ls "$tmp/lib" | wc -l) libraries"
