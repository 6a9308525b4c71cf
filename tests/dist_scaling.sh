#!/usr/bin/env bash
# dist_scaling.sh — tokens/s of `rlhf pretrain` on one node: 1 rank × N
# threads against N ranks × 1 thread at the same global batch (a benchmark,
# not part of `make test`; docs/DISTRIBUTED.md has the numbers).
#   RLHF_BIN=build/mpi/rlhf tests/dist_scaling.sh [ranks=2] [repeats=3]
# Model and batch: LAYERS (4), WIDTH (128), GB global batch (16), STEPS (25).
# Prints one line per run: config, median tokens/s and step time over steps 4..,
# median gradient allreduce time (MPI runs), wall seconds, load average.
set -eu
bin=${RLHF_BIN:-./rlhf}
n=${1:-2}; reps=${2:-3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# a corpus of ~700 kB of random clinic words: enough windows for every run
awk 'BEGIN{srand(2); split("the a clinic visit doctor nurse monday tuesday patient book open closed morning evening room care note help",w," ");
  for(i=0;i<4000;i++){s=""; for(j=0;j<30;j++) s=s w[int(rand()*18)+1] " "; print s "."}}' > "$dir/corpus.txt"
gb=${GB:-16}          # global batch (sequences per step)
layers=${LAYERS:-4}; width=${WIDTH:-128}
common="--vocab-size 512 --layers $layers --heads 4 --width $width --context 128 --seq 128 --steps ${STEPS:-25} --warmup 5
        --eval-every 0 --eval-batches 1 --ckpt-every 0 --val-frac 0.01 --chunk-bytes 2048"
median() {  # metrics file, key -> median of key over steps 4.. (0 if absent)
  grep -o "\"$2\":[0-9.e+-]*" "$1" | tail -n +4 | cut -d: -f2 | sort -g |
    awk '{a[NR]=$1} END{print NR ? (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) : 0}'
}
run() {  # label, command...
  local label=$1; shift
  local t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
  local t1=$(date +%s.%N)
  local tps ar
  tps=$(median "$dir/m.jsonl" tokens_per_s); ar=$(median "$dir/m.jsonl" allreduce_s)
  printf "%-22s %8.0f tok/s  step %6.1f ms  allreduce %5.1f ms  wall %5.1f s  (load %s)\n" "$label" "$tps" \
    "$(awk -v t="$tps" -v g=$gb 'BEGIN{print 1000*g*128/t}')" "$(awk -v a="$ar" 'BEGIN{print 1000*a}')" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" "$(cut -d' ' -f1 /proc/loadavg)"
}
for r in $(seq "$reps"); do
  rm -f "$dir"/*.ckpt*
  run "1 rank  x $n threads" "$bin" pretrain --out "$dir/a.ckpt" --metrics "$dir/m.jsonl" $common \
      --batch $gb --threads "$n" "$dir/corpus.txt"
  rm -f "$dir"/*.ckpt* "$dir/m.jsonl"
  run "$n ranks x 1 thread" mpirun --oversubscribe --allow-run-as-root -np "$n" "$bin" pretrain --out "$dir/b.ckpt" \
      --metrics "$dir/m.jsonl" $common --batch $((gb / n)) --threads 1 "$dir/corpus.txt"
  rm -f "$dir"/*.ckpt* "$dir/m.jsonl"
  run "1 rank  x 1 thread" "$bin" pretrain --out "$dir/c.ckpt" --metrics "$dir/m.jsonl" $common \
      --batch $gb --threads 1 "$dir/corpus.txt"
  rm -f "$dir/m.jsonl"
done
