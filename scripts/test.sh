#!/usr/bin/env bash
# The README's test command: install packages if missing, build, start what the
# tests need (a throwaway PostgreSQL on loopback, the e2e test's npm modules),
# run the default suite, stop the server again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -j"$(nproc)" rlhf >/dev/null

# npm modules for the browser test (lock file committed; no download at run time of rlhf itself)
if command -v npm >/dev/null 2>&1 && [ ! -d tests/e2e/node_modules/playwright-core ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error) || echo "test.sh: npm ci failed; the e2e test will skip"
fi

# A PostgreSQL server of our own on 127.0.0.1:55432 for the bench's PostgreSQL tests.
PGDIR=""
stop_pg() {
  if [ -n "$PGDIR" ]; then
    su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $PGDIR/data -m fast stop" >/dev/null 2>&1 || true
    rm -rf "$PGDIR"
  fi
}
trap stop_pg EXIT
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "${RLHF_TEST_PG:-}" ] && [ -n "$PGBIN" ] && [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
  PGDIR=$(mktemp -d /tmp/rlhf-pg.XXXXXX); chown postgres "$PGDIR"
  if su postgres -s /bin/sh -c "$PGBIN/initdb -D $PGDIR/data -U rlhf --auth=trust >$PGDIR/initdb.log 2>&1 &&
      $PGBIN/pg_ctl -D $PGDIR/data -o '-c listen_addresses=127.0.0.1 -p 55432 -k $PGDIR' -l $PGDIR/log -w start >/dev/null &&
      $PGBIN/createdb -h 127.0.0.1 -p 55432 -U rlhf rlhf_test"; then
    export RLHF_TEST_PG=postgresql://rlhf@127.0.0.1:55432/rlhf_test
  else
    echo "test.sh: could not start PostgreSQL; its tests will skip"
  fi
fi

# The CUDA backend must always compile where nvcc exists (no GPU needed to build).
if command -v nvcc >/dev/null 2>&1; then
  make cuda >/dev/null || { echo "test.sh: make cuda failed"; exit 1; }
fi

make -j"$(nproc)" test
