#!/usr/bin/env bash
# cuda_bench.sh — the prepared GPU check for a session that has an NVIDIA GPU
# (about 3–4 minutes on an H100 / H200, most of it compiling):
#   1. builds the CUDA backend for this card only (scripts/build-cuda.sh);
#   2. runs build/cuda/test_cuda_vs_cpu (logits, loss, every gradient, AdamW,
#      KV cache vs the CPU backend, fp32 and TF32);
#   3. runs build/cuda/bench_cuda: GPT-2 124M training tokens/s + MFU at
#      B=8, T=1024, and KV-cache sampling tokens/s (16 rows, 64 + 128 tokens);
#   4. runs the same two measurements in PyTorch on the same GPU, when a Python
#      with a CUDA-enabled torch is found (PYTHON, /usr/bin/python3, python3);
#   5. writes $OUT_DIR/summary.json and $OUT_DIR/summary.md.
# OUT_DIR defaults to build/cuda/bench (on the device runner, pass OUT_DIR=$OUT).
# Knobs: PREBUILT=1 (run the programs already in build/cuda), BENCH_B, BENCH_T, BENCH_STEPS, SAMPLE_B, SAMPLE_NEW, PEAK_TFLOPS, SKIP_TORCH=1.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${OUT_DIR:-build/cuda/bench}
mkdir -p "$OUT_DIR"
B=${BENCH_B:-8}; T=${BENCH_T:-1024}; STEPS=${BENCH_STEPS:-10}; SB=${SAMPLE_B:-16}; NEW=${SAMPLE_NEW:-128}
log() { echo "cuda_bench: $*" >&2; }

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    log "no NVIDIA GPU visible (nvidia-smi): nothing to measure"; exit 77
fi
CARD=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
CAP=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d '.')
log "card: $CARD (sm_$CAP)"
nvidia-smi > "$OUT_DIR/nvidia-smi.txt" 2>&1

t0=$(date +%s)
if [ -n "${PREBUILT:-}" ] && [ -x build/cuda/test_cuda_vs_cpu ] && [ -x build/cuda/bench_cuda ]; then
    log "PREBUILT: using the carried build/cuda programs"
elif ! CUDA_ARCHS="${CUDA_ARCHS:-$CAP}" timeout 300 scripts/build-cuda.sh > "$OUT_DIR/build.log" 2>&1; then
    log "build failed: see $OUT_DIR/build.log"; tail -30 "$OUT_DIR/build.log" >&2; exit 1
else
    log "built in $(( $(date +%s) - t0 )) s"
fi

timeout 120 build/cuda/test_cuda_vs_cpu > "$OUT_DIR/test.out" 2> "$OUT_DIR/test.log"
TEST_RC=$?
cat "$OUT_DIR/test.log" >&2
log "test_cuda_vs_cpu exit $TEST_RC"
# A failing comparison is rerun under compute-sanitizer: an out-of-bounds access
# or a race in a kernel shows up there by name.
if [ "$TEST_RC" != 0 ] && [ "$TEST_RC" != 77 ] && command -v compute-sanitizer >/dev/null 2>&1; then
    timeout 120 compute-sanitizer --tool memcheck --print-limit 20 build/cuda/test_cuda_vs_cpu \
        > "$OUT_DIR/memcheck.log" 2>&1
    log "memcheck exit $?: $(grep -c 'Invalid\|ERROR SUMMARY' "$OUT_DIR/memcheck.log") lines; head:"
    grep -m 12 -A3 'Invalid\|ERROR SUMMARY' "$OUT_DIR/memcheck.log" >&2
fi

PEAK_ARG=()
[ -n "${PEAK_TFLOPS:-}" ] && PEAK_ARG=(--peak-tflops "$PEAK_TFLOPS")
timeout 180 build/cuda/bench_cuda --B "$B" --T "$T" --steps "$STEPS" --sample-B "$SB" --prompt 64 --new "$NEW" \
    "${PEAK_ARG[@]}" > "$OUT_DIR/ours.json" 2> "$OUT_DIR/ours.log"
OURS_RC=$?
log "bench_cuda exit $OURS_RC: $(cat "$OUT_DIR/ours.json" 2>/dev/null)"

PY=
if [ -z "${SKIP_TORCH:-}" ]; then
    for p in ${PYTHON:-} /usr/bin/python3 python3; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
            PY=$p; break
        fi
    done
fi
TORCH_RC=skipped
if [ -n "$PY" ]; then
    timeout 240 "$PY" bench/torch_bench_gpu.py "$B" "$T" "$STEPS" "$SB" "$NEW" > "$OUT_DIR/torch.json" 2> "$OUT_DIR/torch.log"
    TORCH_RC=$?
    log "torch exit $TORCH_RC: $(cat "$OUT_DIR/torch.json" 2>/dev/null)"
else
    log "no Python with CUDA torch: PyTorch comparison skipped"
fi

# summary: plain shell + the two JSON objects (no jq dependency)
ours=$(cat "$OUT_DIR/ours.json" 2>/dev/null); [ -z "$ours" ] && ours=null
torchj=$(cat "$OUT_DIR/torch.json" 2>/dev/null); [ -z "$torchj" ] && torchj=null
cat > "$OUT_DIR/summary.json" <<EOF
{"card": "$CARD", "sm": "$CAP", "test_cuda_vs_cpu_exit": $TEST_RC, "bench_exit": $OURS_RC, "torch_exit": "$TORCH_RC",
 "commands": {"build": "CUDA_ARCHS=$CAP scripts/build-cuda.sh", "test": "build/cuda/test_cuda_vs_cpu",
              "bench": "build/cuda/bench_cuda --B $B --T $T --steps $STEPS --sample-B $SB --prompt 64 --new $NEW"},
 "ours": $ours, "pytorch": $torchj}
EOF
{
    echo "## CUDA backend on $CARD (sm_$CAP), $(date -u +%Y-%m-%d)"
    echo
    echo "- correctness: \`build/cuda/test_cuda_vs_cpu\` exit $TEST_RC ($(grep -c '^ok' "$OUT_DIR/test.log" 2>/dev/null) ok, $(grep -c '^FAIL' "$OUT_DIR/test.log" 2>/dev/null) failed)"
    echo "- ours: \`$ours\`"
    echo "- PyTorch: \`$torchj\`"
    echo
    echo "GPT-2 124M, fp32 weights, TF32 matmuls; training B=$B T=$T ($STEPS timed steps after 2 warm-up);"
    echo "sampling $SB rows, 64-token prompt, $NEW greedy new tokens (decode time only)."
} > "$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
[ "$TEST_RC" = 0 ] && [ "$OURS_RC" = 0 ]
