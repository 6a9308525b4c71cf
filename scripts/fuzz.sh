#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + ASan + UBSan) of the bench's HTTP
# handlers, the import parsers and the JSON reader/writer; `make fuzz` runs it.
#
#   scripts/fuzz.sh [json] [import] [http]     (default: all three)
#
# Environment:
#   FUZZ_SECONDS=60      run time per harness
#   FUZZ_BUILD=build/fuzz  objects, binaries, the growing corpora, logs, crash files
#   FUZZ_BUILD_ONLY=1    build and stop
#   FUZZ_ARGS="..."      extra libFuzzer flags (e.g. -seed=1 -runs=1000)
#   CC=clang             must be a clang with libFuzzer (clang 14 on Debian 12)
#
# The project sources are compiled again with clang (instrumented for coverage),
# not taken from librlhf.a. Seeds live in tests/fuzz/corpus/<name>/ and the
# dictionaries in tests/fuzz/<name>.dict; new inputs accumulate in
# $FUZZ_BUILD/corpus/<name>/ across runs. A crash, leak, timeout or failed
# property leaves $FUZZ_BUILD/artifacts/<name>/crash-* (replay: pass that file
# to the harness binary) and makes the script exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER=${FUZZ_SECONDS:-60}
B=${FUZZ_BUILD:-build/fuzz}
CC=${CC:-clang}
[ "$CC" = cc ] && CC=clang   # make's default CC is not a fuzzing compiler
NAMES=("$@")
[ ${#NAMES[@]} -eq 0 ] && NAMES=(json import http)

if ! command -v "$CC" >/dev/null 2>&1 || ! echo 'int LLVMFuzzerTestOneInput(const char*d,unsigned long n){return 0;}' |
      "$CC" -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then
  echo "fuzz.sh: '$CC' cannot build libFuzzer targets (need clang with libclang_rt.fuzzer; apt-get install clang)" >&2
  exit 2
fi
for n in "${NAMES[@]}"; do
  [ -f "tests/fuzz/fuzz_$n.c" ] || { echo "fuzz.sh: no harness tests/fuzz/fuzz_$n.c" >&2; exit 2; }
done

# ---- build: an instrumented archive of the sources the harnesses need, then one binary each
PKG_CFLAGS=$(pkg-config --cflags sqlite3 libmicrohttpd zlib 2>/dev/null || true)
PKG_LIBS=$(pkg-config --libs sqlite3 libmicrohttpd zlib 2>/dev/null || echo "-lsqlite3 -lmicrohttpd -lz")
PQ_INC=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
make -s -j"$(nproc)" -f - B="$B" CC="$CC" PKG_CFLAGS="$PKG_CFLAGS" PKG_LIBS="$PKG_LIBS" PQ_INC="$PQ_INC" \
  $(for n in "${NAMES[@]}"; do echo "$B/fuzz_$n"; done) <<'MAKEFILE'
.RECIPEPREFIX = >
SRC := src/util/common.c src/util/json.c $(wildcard src/bench/*.c) $(wildcard src/data/*.c)
OBJ := $(SRC:%.c=$(B)/obj/%.o)
CFLAGS := -std=c11 -D_GNU_SOURCE -Isrc -Itests $(PKG_CFLAGS) -I$(PQ_INC) -O1 -g -fno-omit-frame-pointer \
          -fsanitize=address,undefined -fno-sanitize-recover=undefined -Wall -Wextra -Wno-unused-parameter -MMD -MP
$(B)/obj/%.o: %.c
> @mkdir -p $(dir $@)
> $(CC) $(CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(B)/libfuzzrlhf.a: $(OBJ)
> @rm -f $@; ar rcs $@ $^
$(B)/fuzz_%: tests/fuzz/fuzz_%.c $(B)/libfuzzrlhf.a
> $(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(B)/libfuzzrlhf.a $(PKG_LIBS) -lpq -lpthread -lm
-include $(OBJ:.o=.d) $(B)/fuzz_json.d $(B)/fuzz_import.d $(B)/fuzz_http.d
MAKEFILE
[ -n "${FUZZ_BUILD_ONLY:-}" ] && { echo "fuzz.sh: built ${NAMES[*]} in $B"; exit 0; }

# ---- run each harness for SECONDS_PER seconds
declare -a ROWS
failed=0
for n in "${NAMES[@]}"; do
  corpus="$B/corpus/$n" art="$B/artifacts/$n" log="$B/logs/$n.log"
  mkdir -p "$corpus" "$art" "$(dirname "$log")"
  seeds="tests/fuzz/corpus/$n"
  dict=()
  [ -f "tests/fuzz/$n.dict" ] && dict=(-dict="tests/fuzz/$n.dict")
  before=$(ls "$art" | wc -l)
  echo "fuzz.sh: $n for ${SECONDS_PER}s (log $log)"
  rc=0
  # shellcheck disable=SC2086
  "$B/fuzz_$n" -max_total_time="$SECONDS_PER" -print_final_stats=1 -timeout=20 -rss_limit_mb=3072 -max_len=16384 \
    -artifact_prefix="$art/" "${dict[@]}" ${FUZZ_ARGS:-} "$corpus" $( [ -d "$seeds" ] && echo "$seeds" ) >"$log" 2>&1 || rc=$?
  after=$(ls "$art" | wc -l)
  # the HTTP harness removes its database at exit, but not when a finding aborts it
  stale=$(sed -n 's|^fuzz_http: server on .*, db sqlite:\(.*\)/bench.db$|\1|p' "$log" | head -1)
  case "$stale" in */rlhf_fuzz_http_*) rm -rf "$stale" ;; esac
  total=$(grep -m1 -o 'Loaded 1 modules *([0-9]* inline 8-bit counters)' "$log" | grep -o '[0-9]\+ inline' | grep -o '[0-9]\+' || echo "?")
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo "?")
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo "?")
  corp=$(echo "$last" | grep -o 'corp: [0-9]*' | grep -o '[0-9]*' || echo "?")
  execs=$(sed -n "s/.*stat::number_of_executed_units: *\([0-9]*\).*/\1/p" "$log" || echo "?")
  eps=$(sed -n "s/.*stat::average_exec_per_sec: *\([0-9]*\).*/\1/p" "$log" || echo "?")
  status=ok
  if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
    status="FAILED (rc $rc; $(ls -t "$art" | head -1))"
    failed=1
    grep -E 'ERROR|property failed|runtime error|SUMMARY' "$log" | head -5 | sed 's/^/    /'
  fi
  ROWS+=("$(printf '| %-7s | %4ss | %10s | %7s | %5s / %-6s | %8s | %6s | %s |' "$n" "$SECONDS_PER" "$execs" "$eps" "$cov" "$total" "$ft" "$corp" "$status")")
done

echo
echo "| harness | time | execs      | exec/s  | edges covered  | features | corpus | result |"
echo "|---------|------|------------|---------|----------------|----------|--------|--------|"
printf '%s\n' "${ROWS[@]}"
exit $failed
