#!/usr/bin/env bash
# `make tax-report`: the alignment tax by model size. Runs the demo pipeline at
# three model sizes and tabulates, for each, the PPO reward gain on the test
# judge against the change in held-out language-model loss on general text
# (Topical-Chat, Tiny Shakespeare). The HH paper found small models pay a tax
# that large ones do not. Writes docs/ALIGNMENT_TAX.md. Long: ~35-50 min on 2 cores.
# REUSE=1 keeps a size's finished run (its report.html exists) and only re-tabulates.
set -euo pipefail
cd "$(dirname "$0")/.."
RLHF=${RLHF:-./rlhf}
OUT=${OUT:-runs/tax-report}
SIZES=${SIZES:-"2x64 4x128 6x192"}
mkdir -p "$OUT"
rows=""
for s in $SIZES; do
  L=${s%x*}; C=${s#*x}
  dir="$OUT/L${L}-C${C}"
  if [ "${REUSE:-0}" = 1 ] && [ -f "$dir/report.html" ] && [ -f "$dir.secs" ]; then
    secs=$(cat "$dir.secs")
  else
    start=$(date +%s)
    "$RLHF" demo --out-dir "$dir" --layers "$L" --width "$C" --rounds 1 > "$dir.log" 2>&1
    secs=$(( $(date +%s) - start ))
    echo "$secs" > "$dir.secs"
  fi
  m="$dir/ppo.ckpt.metrics.jsonl"
  get() { grep '"event":"'"$1"'"' "$m" | tail -1 | grep -o '"'"$2"'":[-0-9.e]*' | cut -d: -f2; }
  first_test=$(grep '"event":"fence"' "$m" | head -1 | grep -o '"test_reward":[-0-9.e]*' | cut -d: -f2)
  best=$(get ppo_summary best_score)
  tc_b=$(get ppo_summary tax_Topical-Chat_before); tc_a=$(get ppo_summary tax_Topical-Chat_after)
  ts_b=$(get ppo_summary "tax_Tiny Shakespeare_before"); ts_a=$(get ppo_summary "tax_Tiny Shakespeare_after")
  params=$(grep -o '[0-9.]*M parameters' "$dir.log" | head -1)
  fmt() { if [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f → %.3f (%+.3f)", a, b, b - a }'; else echo "–"; fi; }
  rows+="| ${L} layers × ${C} | ${params} | $(fmt "$first_test" "$best") | $(fmt "$tc_b" "$tc_a") | $(fmt "$ts_b" "$ts_a") | ${secs} s |"$'\n'
done
cat > docs/ALIGNMENT_TAX.md <<EOD
# Alignment tax by model size

Made by \`make tax-report\` (scripts/tax-report.sh): the demo pipeline (\`rlhf demo --layers L --width C
--rounds 1\`) at each size; PPO's test-judge reward (start → kept checkpoint) beside the held-out
language-model loss on general text before and after PPO. A positive change in loss is a tax.

| model | size | test-judge reward | Topical-Chat LM loss | Tiny Shakespeare LM loss | wall time |
| --- | --- | --- | --- | --- | --- |
${rows}
Machine: $(nproc) cores, $(date -u +%Y-%m-%d). Logs and reports: ${OUT}/.
EOD
echo "wrote docs/ALIGNMENT_TAX.md"
