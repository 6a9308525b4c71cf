#!/usr/bin/env bash
# cuda_session.sh — everything a lent GPU session runs, in one call, from the
# archive bench/cuda_pack.sh made here (so nothing is compiled there):
#   1. bench/cuda_bench.sh: test_cuda_vs_cpu, bench_cuda (GPT-2 124M training
#      and sampling), the same in PyTorch on the same GPU;
#   2. tests/cuda/cli_device.sh: --device cuda against --device cpu through the
#      program, and one PPO iteration at 124M shape;
#   3. bench/torch_ppo_gpu.py: PyTorch's time for the same PPO iteration;
#   4. bench_cuda at other shapes and both attention paths: where training time
#      goes (T = 1024 vs 128 at equal tokens; TF32 off).
# Usage there:  bench/cuda_session.sh OUT_DIR     (the device runner: $OUT)
# Writes OUT_DIR/session.txt (the summary) and OUT_DIR/session.tgz (every log).
set -uo pipefail
cd "$(dirname "$0")/.."
OUTD=${1:?usage: bench/cuda_session.sh OUT_DIR}
mkdir -p .devlibs "$OUTD"
tar -C .devlibs -xzf .devlibs/devpack.tgz || { echo "cuda_session: no .devlibs/devpack.tgz (bench/cuda_pack.sh)"; exit 1; }
mkdir -p build/cuda && cp .devlibs/bin/* build/cuda/
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}:$PWD/.devlibs/lib
missing=$(ldd build/cuda/rlhf build/cuda/test_cuda_vs_cpu | grep 'not found' | sort -u)
[ -n "$missing" ] && { echo "cuda_session: missing libraries: $missing"; exit 1; }
L=build/cuda/session
rm -rf "$L" && mkdir -p "$L"
S="$OUTD/session.txt"
PY=python3
[ -x /opt/torch/.venv/bin/python3 ] && PY=/opt/torch/.venv/bin/python3
{
    echo "== cuda_bench"
    PREBUILT=1 OUT_DIR="$L/bench" bench/cuda_bench.sh 2>&1 | grep -v '^\s*$'
    echo "== cli_device"
    GPT2_BPE=$([ -d .devlibs/gpt2-bpe ] && echo "$PWD/.devlibs/gpt2-bpe") \
        tests/cuda/cli_device.sh build/cuda/rlhf "$L/cli" 2>&1 | grep -v '^     '
    echo "== PyTorch: one PPO iteration, the same shape (bench/torch_ppo_gpu.py)"
    timeout 240 "$PY" bench/torch_ppo_gpu.py --batch 64 --mb 16 --epochs 4 --prompt 48 --new 64 --iters 2 2>&1 | tail -3
    echo "== bench_cuda shapes: attention fused vs gemm (train tokens/s, MFU; decode tokens/s)"
    for a in "--B 8 --T 1024 --attention fused" "--B 8 --T 1024 --attention gemm" "--B 64 --T 128 --attention fused" \
             "--B 64 --T 128 --attention gemm" "--B 16 --T 1024 --attention gemm" "--B 8 --T 1024 --attention gemm --no-tf32"; do
        r=$(timeout 120 build/cuda/bench_cuda $a --steps 6 --sample-B 64 --new 64 2>&1)
        echo "$a: $(echo "$r" | grep -o '"tokens_per_s": [0-9.]*\|"mfu": [0-9.]*\|"decode_tokens_per_s": [0-9.]*\|bench_cuda: .*' | tr '\n' ' ')"
    done
} 2>&1 | tee "$S"
find "$L" -type f -size +4M -delete   # checkpoints: the logs and metrics are what matters
tar -C "$L" -czf "$OUTD/session.tgz" .
