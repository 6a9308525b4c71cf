#!/usr/bin/env bash
# dist_scaling_ppo.sh — seconds per `rlhf ppo` step on one node: 1 rank × N
# threads against N ranks × 1 thread, same global batch (a benchmark, not part
# of `make test`; docs/BENCHMARKS.md has the numbers). Needs a policy and a
# judge, e.g. from `rlhf demo` or `make tax-report`:
#   POLICY=run/sft.ckpt JUDGE=run/help.judge PROMPTS=run/prompts.jsonl \
#   RLHF_BIN=./rlhf tests/dist_scaling_ppo.sh [ranks=2] [repeats=2]
# The PPO settings are the demo's: 64 prompts per step, minibatches of 16,
# 4 epochs, 64 new tokens, 160 prompt tokens; STEPS (6) steps.
# Prints per run: median step time over steps 2.. and its rollout / scoring /
# reference / update parts (rank 0's clocks), wall seconds, load average.
set -eu
bin=${RLHF_BIN:-./rlhf}
n=${1:-2}; reps=${2:-2}
: "${POLICY:?set POLICY to an SFT checkpoint}" "${JUDGE:?set JUDGE to a judge}" "${PROMPTS:?set PROMPTS}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
common="--policy $POLICY --judge $JUDGE --prompts $PROMPTS --steps ${STEPS:-6} --batch 64 --minibatch 16
        --epochs 4 --max-new 64 --max-prompt 160 --lr 2e-5 --kl-coef 0.01 --ckpt-every 0"
median() {  # metrics file, key -> median of key over steps 2..
  grep '"event":"ppo"' "$1" | grep -o "\"$2\":[0-9.e+-]*" | tail -n +2 | cut -d: -f2 | sort -g |
    awk '{a[NR]=$1} END{print NR ? (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) : 0}'
}
run() {  # label, command...
  local label=$1; shift
  rm -f "$dir"/*
  local t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
  local t1=$(date +%s.%N)
  local m="$dir/m.jsonl" r s f u
  r=$(median "$m" t_rollout); s=$(median "$m" t_score); f=$(median "$m" t_ref); u=$(median "$m" t_update)
  printf "%-22s step %5.2f s = rollout %5.2f + score %5.2f + ref %5.2f + update %5.2f  wall %5.1f s  (load %s)\n" \
    "$label" "$(awk -v a=$r -v b=$s -v c=$f -v d=$u 'BEGIN{print a+b+c+d}')" "$r" "$s" "$f" "$u" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" "$(cut -d' ' -f1 /proc/loadavg)"
}
for i in $(seq "$reps"); do
  run "1 rank  x $n threads" "$bin" ppo $common --out "$dir/a.ckpt" --metrics "$dir/m.jsonl" --threads "$n"
  run "$n ranks x 1 thread" mpirun --oversubscribe --allow-run-as-root -np "$n" "$bin" ppo $common \
      --out "$dir/b.ckpt" --metrics "$dir/m.jsonl" --threads 1
  run "1 rank  x 1 thread" "$bin" ppo $common --out "$dir/c.ckpt" --metrics "$dir/m.jsonl" --threads 1
done
