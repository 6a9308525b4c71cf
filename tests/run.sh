#!/usr/bin/env bash
# Runs each test program given, from the project root, and adds up their
# "RESULT passed failed skipped" lines into one closing line CI can read.
set -u
cd "$(dirname "$0")/.."
passed=0; failed=0; skipped=0; broken=()
tmp=$(mktemp -d)
for t in "$@"; do
  name=$(basename "$t")
  start=$(date +%s.%N)
  "$t" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
  line=$(grep '^RESULT ' "$tmp/out" | tail -1)
  if [ -z "$line" ]; then
    echo "== $name: CRASHED (exit $rc, ${secs}s)"; cat "$tmp/err" | tail -30
    failed=$((failed+1)); broken+=("$name"); continue
  fi
  read -r _ p f s <<< "$line"
  passed=$((passed+p)); failed=$((failed+f)); skipped=$((skipped+s))
  echo "== $name: $p passed, $f failed, $s skipped (${secs}s)"
  grep -E '^  (FAIL|SKIP)' "$tmp/err" | head -40
  [ "$f" -gt 0 ] && { echo "   --- last lines of its output:"; tail -15 "$tmp/err" | sed 's/^/   /'; }
  [ "$f" -gt 0 ] && broken+=("$name")
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { echo "   exit code $rc"; failed=$((failed+1)); broken+=("$name"); }
done
rm -rf "$tmp"
[ ${#broken[@]} -gt 0 ] && echo "failing: ${broken[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
