#!/usr/bin/env bash
# judge-report.sh — `make judge-report`: the judges on real HH-RLHF data, end to end.
#
#  1. 70/30 prompt-hash split of each HH-RLHF file (the project's standard salt);
#  2. pretrain a base LM on Topical-Chat + the 70% transcripts only (never the 30%);
#  3. train a helpfulness judge (helpful-base + helpful-rejection-sampled 70%), a
#     harmlessness judge (harmless-base 70%) and a mixed judge (all three);
#  4. evaluate all three on each file's 30% part: accuracy [95% CI], ECE, both
#     baselines with the judge's paired margin over each, the cross matrix;
#  5. write the results between the judge-report markers of docs/JUDGE.md.
#
# Sizes are environment variables; QUICK=1 picks a ~15-minute version (2 cores).
# ENSEMBLE=K also trains K-1 more helpfulness and harmlessness judges with other
# data-order seeds and evaluates each dial's K judges as an ensemble (mean margin).
#   scripts/judge-report.sh                  # full (about 80 minutes on 2 cores)
#   QUICK=1 scripts/judge-report.sh          # short
#   RLHF=./rlhf DATA=../shared/data OUT=runs/judge-report DOC=docs/JUDGE.md
set -euo pipefail

RLHF=${RLHF:-./rlhf}
DATA=${DATA:-../shared/data}
OUT=${OUT:-runs/judge-report}
DOC=${DOC:-docs/JUDGE.md}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  : "${LAYERS:=4}" "${HEADS:=4}" "${WIDTH:=128}" "${CTX:=256}" "${PRE_SEQ:=256}" "${PRE_BATCH:=8}" "${PRE_STEPS:=500}"
  : "${J_SEQ:=256}" "${J_BATCH:=8}" "${J_EPOCHS:=1}" "${J_LR:=2e-4}"
else
  : "${LAYERS:=6}" "${HEADS:=8}" "${WIDTH:=256}" "${CTX:=512}" "${PRE_SEQ:=256}" "${PRE_BATCH:=16}" "${PRE_STEPS:=2500}"
  : "${J_SEQ:=384}" "${J_BATCH:=8}" "${J_EPOCHS:=2}" "${J_LR:=1e-4}"
fi
VOCAB=${VOCAB:-8192}
ENSEMBLE=${ENSEMBLE:-1}
THREADS=${THREADS:-0}

HH=$DATA/hh-rlhf
TC=$DATA/topical-chat
for f in "$HH/harmless-base/test.jsonl.gz" "$HH/helpful-base/test.jsonl.gz" \
         "$HH/helpful-rejection-sampled/test.jsonl.gz" "$TC/valid_freq.json"; do
  [ -f "$f" ] || { echo "judge-report: missing $f (set DATA=)" >&2; exit 1; }
done
[ -x "$RLHF" ] || { echo "judge-report: $RLHF not built (make)" >&2; exit 1; }
mkdir -p "$OUT/data"
LOG=$OUT/commands.txt
: > "$LOG"
T_ALL=$(date +%s)
declare -A SECS

# run NAME CMD...: logs the command, times it, keeps its output in $OUT/NAME.log
run() {
  local name=$1; shift
  echo "$*" >> "$LOG"
  echo "== $name: $*" >&2
  local t0; t0=$(date +%s)
  if ! "$@" > "$OUT/$name.log" 2> "$OUT/$name.err"; then
    tail -n 20 "$OUT/$name.err" >&2
    echo "judge-report: step $name failed (log: $OUT/$name.err)" >&2
    exit 1
  fi
  tail -n 2 "$OUT/$name.err" >&2
  SECS[$name]=$(( $(date +%s) - t0 ))
}

# 1. splits (train part = 70%, test part = 30%)
for n in harmless-base helpful-base helpful-rejection-sampled; do
  run "split-$n" "$RLHF" data split --frac 0.7 --out-prefix "$OUT/data/$n" "$HH/$n/test.jsonl.gz"
done
TRAIN_H="$OUT/data/helpful-base.train.jsonl $OUT/data/helpful-rejection-sampled.train.jsonl"
TRAIN_S="$OUT/data/harmless-base.train.jsonl"

# 2. the base LM: Topical-Chat + the 70% transcripts
run pretrain "$RLHF" pretrain --out "$OUT/base.ckpt" --vocab-size "$VOCAB" \
  --layers "$LAYERS" --heads "$HEADS" --width "$WIDTH" --context "$CTX" --seq "$PRE_SEQ" --batch "$PRE_BATCH" \
  --steps "$PRE_STEPS" --threads "$THREADS" \
  "$TC"/*.json $TRAIN_S $TRAIN_H

# 3. judges (validation: 10% of the training conversations, by an independent hash)
J_ARGS=(--init "$OUT/base.ckpt" --epochs "$J_EPOCHS" --batch "$J_BATCH" --seq "$J_SEQ" --lr "$J_LR" --threads "$THREADS" --quiet)
# shellcheck disable=SC2086
run judge-helpful  "$RLHF" judge train "${J_ARGS[@]}" --kind helpful  --out "$OUT/helpful.judge"  $TRAIN_H
run judge-harmless "$RLHF" judge train "${J_ARGS[@]}" --kind harmless --out "$OUT/harmless.judge" $TRAIN_S
# shellcheck disable=SC2086
run judge-mixed    "$RLHF" judge train "${J_ARGS[@]}" --kind mixed    --out "$OUT/mixed.judge"    $TRAIN_S $TRAIN_H
ENS_H="$OUT/helpful.judge"; ENS_S="$OUT/harmless.judge"
for ((k = 1; k < ENSEMBLE; k++)); do
  # shellcheck disable=SC2086
  run "judge-helpful-s$k"  "$RLHF" judge train "${J_ARGS[@]}" --seed "$k" --kind helpful  --out "$OUT/helpful-s$k.judge"  $TRAIN_H
  run "judge-harmless-s$k" "$RLHF" judge train "${J_ARGS[@]}" --seed "$k" --kind harmless --out "$OUT/harmless-s$k.judge" $TRAIN_S
  ENS_H="$ENS_H+$OUT/helpful-s$k.judge"; ENS_S="$ENS_S+$OUT/harmless-s$k.judge"
done
ENS_ARGS=()
[ "$ENSEMBLE" -gt 1 ] && ENS_ARGS=(--judge "$ENS_H" --judge "$ENS_S")

# 4. evaluation on each file's 30% part (the same split; bag-of-words trained on the 70% part)
run eval "$RLHF" judge eval --split test --threads "$THREADS" \
  --judge "$OUT/helpful.judge" --judge "$OUT/harmless.judge" --judge "$OUT/mixed.judge" "${ENS_ARGS[@]}" \
  --json "$OUT/eval.json" --report "$OUT/report.html" \
  "$HH/helpful-base/test.jsonl.gz" "$HH/harmless-base/test.jsonl.gz" "$HH/helpful-rejection-sampled/test.jsonl.gz"
cat "$OUT/eval.log"
T_TOTAL=$(( $(date +%s) - T_ALL ))

# 5. docs/JUDGE.md, between the markers
SUMMARY=$(grep -h "^GPT-2:" "$OUT/judge-helpful.err" | head -n 1 || true)
BLOCK=$OUT/judge-section.md
{
  echo "<!-- judge-report:begin (written by scripts/judge-report.sh; edit the script, not this block) -->"
  echo
  echo "Run of \`$( [ "$QUICK" = 1 ] && echo "QUICK=1 ")$( [ "$ENSEMBLE" -gt 1 ] && echo "ENSEMBLE=$ENSEMBLE ")scripts/judge-report.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, total wall time $((T_TOTAL / 60)) min $((T_TOTAL % 60)) s."
  echo "Model: ${SUMMARY:-see $OUT/judge-helpful.err} (pretrained ${PRE_STEPS} steps × ${PRE_BATCH} × ${PRE_SEQ} tokens;"
  echo "judges: ${J_EPOCHS} epoch(s), ${J_BATCH} pairs per batch, ${J_SEQ} tokens per transcript, lr ${J_LR}$( [ "$ENSEMBLE" -gt 1 ] && echo "; ensembles of $ENSEMBLE judges per dial, data-order seeds 1337, 1..$((ENSEMBLE - 1))"))."
  echo
  echo "| stage | wall time (s) |"
  echo "| --- | ---: |"
  for k in pretrain judge-helpful judge-harmless judge-mixed; do echo "| $k | ${SECS[$k]} |"; done
  for ((k = 1; k < ENSEMBLE; k++)); do echo "| judge-helpful-s$k + judge-harmless-s$k | $(( SECS[judge-helpful-s$k] + SECS[judge-harmless-s$k] )) |"; done
  echo "| eval | ${SECS[eval]} |"
  echo
  echo "Judge training (validation = 10% of the training conversations):"
  echo
  echo '```'
  for k in helpful harmless mixed; do grep -h "^judge " "$OUT/judge-$k.log" || true; done
  for ((k = 1; k < ENSEMBLE; k++)); do grep -h "^judge " "$OUT/judge-helpful-s$k.log" "$OUT/judge-harmless-s$k.log" || true; done
  echo '```'
  echo
  echo "Evaluation on the 30% test parts (\`rlhf judge eval\` output):"
  echo
  echo '```'
  cat "$OUT/eval.log"
  echo '```'
  echo
  echo "Commands:"
  echo
  echo '```'
  cat "$LOG"
  echo '```'
  echo
  echo "<!-- judge-report:end -->"
} > "$BLOCK"
if grep -q "judge-report:begin" "$DOC"; then
  awk -v block="$BLOCK" '
    /judge-report:begin/ { while ((getline l < block) > 0) print l; skip = 1; next }
    /judge-report:end/   { skip = 0; next }
    !skip { print }' "$DOC" > "$DOC.tmp.$$" && mv "$DOC.tmp.$$" "$DOC"
else
  { echo; cat "$BLOCK"; } >> "$DOC"
fi
echo "judge-report: done in ${T_TOTAL} s; results in $OUT, section written to $DOC" >&2
