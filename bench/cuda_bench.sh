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
    cat > "$OUT_DIR/torch_gpt2.py" <<'EOF'
# GPT-2 124M in PyTorch, fp32 weights + TF32 matmuls (the same numerics as ours),
# fused SDPA attention, fused AdamW; training tokens/s and KV-cache decode tokens/s.
import json, math, sys, time
import torch, torch.nn as nn, torch.nn.functional as F
B, T, STEPS, SB, NEW = map(int, sys.argv[1:6])
torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True
dev = "cuda"
L, NH, C, V, CTX = 12, 12, 768, 50257, 1024
class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.ln1, s.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        s.qkv, s.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        s.fc, s.fcp = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
    def forward(s, x, past=None):
        Bx, Tx, _ = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(C, dim=2)
        q, k, v = [t.view(Bx, Tx, NH, C // NH).transpose(1, 2) for t in (q, k, v)]
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=past is None)
        x = x + s.proj(y.transpose(1, 2).reshape(Bx, Tx, C))
        x = x + s.fcp(F.gelu(s.fc(s.ln2(x)), approximate="tanh"))
        return x, (k, v)
class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(V, C), nn.Embedding(CTX, C)
        s.h = nn.ModuleList(Block() for _ in range(L)); s.lnf = nn.LayerNorm(C)
    def forward(s, idx, pos0=0, pasts=None):
        x = s.wte(idx) + s.wpe(torch.arange(pos0, pos0 + idx.shape[1], device=idx.device))
        new = []
        for i, b in enumerate(s.h):
            x, kv = b(x, None if pasts is None else pasts[i]); new.append(kv)
        return F.linear(s.lnf(x), s.wte.weight), new
m = GPT().to(dev)
opt = torch.optim.AdamW(m.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1, fused=True)
x = torch.randint(0, V, (B, T + 1), device=dev)
def step():
    logits, _ = m(x[:, :-1])
    loss = F.cross_entropy(logits.view(-1, V), x[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True); loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
for _ in range(2): step()
torch.cuda.synchronize(); t0 = time.time()
for _ in range(STEPS): step()
torch.cuda.synchronize(); dt = (time.time() - t0) / STEPS
with torch.no_grad():
    p = torch.randint(0, V, (SB, 64), device=dev)
    logits, past = m(p); torch.cuda.synchronize(); t0 = time.time()
    pos = 64
    for _ in range(NEW - 1):
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        logits, past = m(nxt, pos, past); pos += 1
    torch.cuda.synchronize(); dd = time.time() - t0
print(json.dumps({"torch": torch.__version__, "train": {"step_s": dt, "tokens_per_s": B * T / dt},
                  "sample": {"decode_s": dd, "decode_tokens_per_s": SB * NEW / dd}}))
EOF
    timeout 240 "$PY" "$OUT_DIR/torch_gpt2.py" "$B" "$T" "$STEPS" "$SB" "$NEW" > "$OUT_DIR/torch.json" 2> "$OUT_DIR/torch.log"
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
