#!/usr/bin/env bash
# build-cuda.sh — builds the CUDA backend (what `make cuda` runs):
#   build/cuda/librlhf_cuda.a        the .cu files of src/cuda
#   build/cuda/test_cuda_vs_cpu      GPU-vs-CPU correctness test (exit 77 without a GPU)
#   build/cuda/bench_cuda            GPU throughput (bench/cuda_bench.sh runs it)
#   build/cuda/rlhf                  the whole program with the real CUDA backend
#                                    (`--device cuda`); ./rlhf has only stubs
# It links against build/$MODE/librlhf.a and the CLI objects, which it builds
# with make first.
#
# Environment: NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc),
#   CUDA_ARCHS (default "80 90": A100 and H100/H200; CUDA 13 has no sm < 75),
#   MODE (default release), CUDA_WERROR=0 to let warnings pass.
# A GPU machine without Debian's libraries: bench/cuda_pack.sh packs them.
# Exit status: 0 built, 1 a compile/link error, 2 no nvcc.
set -euo pipefail
cd "$(dirname "$0")/.."

NVCC=${NVCC:-$(command -v nvcc || true)}
[ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ] && NVCC=/usr/local/cuda/bin/nvcc
if [ -z "$NVCC" ]; then
    echo "build-cuda: nvcc not found (set NVCC or install the CUDA toolkit); CUDA backend not built" >&2
    exit 2
fi
CUDA_HOME=${CUDA_HOME:-$(dirname "$(dirname "$(readlink -f "$NVCC")")")}
MODE=${MODE:-release}
OUT=build/cuda
ARCHS=${CUDA_ARCHS:-"80 90"}
WERROR=${CUDA_WERROR:-1}

GENCODE=()
last=
for a in $ARCHS; do GENCODE+=("-gencode" "arch=compute_$a,code=sm_$a"); last=$a; done
GENCODE+=("-gencode" "arch=compute_$last,code=compute_$last") # PTX of the newest arch for later GPUs

HOSTWARN="-Wall,-Wextra,-Wno-unused-parameter,-Wshadow"
NVFLAGS=(-std=c++17 -O3 -lineinfo -Isrc -Itests -I/usr/include/x86_64-linux-gnu/openblas-openmp
         -Xcompiler "$HOSTWARN,-fopenmp" "${GENCODE[@]}")
if [ "$WERROR" = 1 ]; then NVFLAGS+=(-Werror all-warnings -Xcompiler -Werror); fi
PKG_LIBS=$(pkg-config --libs libpcre2-8 zlib sqlite3 libmicrohttpd 2>/dev/null || echo "-lpcre2-8 -lz -lsqlite3 -lmicrohttpd")
MPI_LIBS=$(pkg-config --libs ompi-c 2>/dev/null || true)
LIBS=(-L"$CUDA_HOME/lib64" -lcublas -lcudart -lopenblas $PKG_LIBS -lpq $MPI_LIBS -lm -lgomp)

echo "build-cuda: $("$NVCC" --version | tail -1), archs: $ARCHS"
make -s "build/$MODE/librlhf.a" "build/$MODE/rlhf" MODE="$MODE"
mkdir -p "$OUT"
objs=()
for src in src/cuda/*.cu; do
    obj="$OUT/$(basename "${src%.cu}").o"
    echo "  NVCC $src"
    "$NVCC" "${NVFLAGS[@]}" -c "$src" -o "$obj"
    objs+=("$obj")
done
rm -f "$OUT/librlhf_cuda.a"
ar rcs "$OUT/librlhf_cuda.a" "${objs[@]}"
for prog in test_cuda_vs_cpu bench_cuda; do
    echo "  LINK $OUT/$prog"
    "$NVCC" "${NVFLAGS[@]}" -o "$OUT/$prog" "tests/cuda/$prog.cu" "$OUT/librlhf_cuda.a" "build/$MODE/librlhf.a" \
        "${LIBS[@]}"
done
# The program: the CUDA archive whole, ahead of librlhf.a, so its strong cuda_*
# symbols are the ones linked and device_nocuda.o's weak stubs are never pulled.
echo "  LINK $OUT/rlhf"
# (The host compiler links: nvcc reorders archives around --whole-archive.)
${CXX:-g++} -fopenmp -o "$OUT/rlhf" build/"$MODE"/src/cli/*.o -Wl,--whole-archive "$OUT/librlhf_cuda.a" \
    -Wl,--no-whole-archive "build/$MODE/librlhf.a" "${LIBS[@]}" -lstdc++
echo "build-cuda: ok ($OUT/librlhf_cuda.a, $OUT/test_cuda_vs_cpu, $OUT/bench_cuda, $OUT/rlhf)"
