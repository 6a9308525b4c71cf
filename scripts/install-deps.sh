#!/usr/bin/env bash
# Installs every Debian 12 package rlhf.c needs. Idempotent: packages already
# present are skipped, so running it again costs a second.
#
#   scripts/install-deps.sh            build + run + test dependencies
#   scripts/install-deps.sh --bench    also the PyTorch peer used by `make bench`
#                                      and by the fixture scripts in tests/fixtures/
#
# This is the only place that lists the project's packages. Why each one:
#   build-essential        the system C compiler (C11) and make
#   pkg-config             locate the libraries below
#   libopenblas-openmp-dev GEMM for the transformer; the OpenMP build shares one
#                          thread pool with our own OpenMP loops (the pthread build
#                          oversubscribes the cores when both run)
#   libpcre2-dev           GPT-2's pre-tokenizer regex needs Unicode properties (\p{L})
#   zlib1g-dev             read HH-RLHF .jsonl.gz directly
#   libsqlite3-dev         the comparison bench's embedded database
#   libmicrohttpd-dev      the comparison bench's HTTP server
#   libpq-dev              the bench's PostgreSQL option
#   libopenmpi-dev         data-parallel training (mpirun -np N rlhf ...)
#   openmpi-bin            mpirun, for the 2-rank equivalence test
#   postgresql             a local server for the bench's PostgreSQL tests (tests only)
#   chromium               headless browser for the bench's end-to-end test and
#                          the report screenshot (tests only)
#   clang                  libFuzzer for `make fuzz` (tests only)
#   nodejs npm             run playwright-core (from npm) to drive chromium (tests only;
#                          skipped when a node is already on PATH)
#   --bench: python3-torch python3-numpy (peer implementation, fixtures only;
#            never a dependency of the rlhf binary)
set -euo pipefail

core=(build-essential pkg-config libopenblas-openmp-dev libpcre2-dev zlib1g-dev
      libsqlite3-dev libmicrohttpd-dev libpq-dev libopenmpi-dev openmpi-bin
      postgresql chromium clang)
command -v node >/dev/null 2>&1 || core+=(nodejs npm)
bench=(python3-torch python3-numpy)

want=("${core[@]}")
for arg in "$@"; do
  case "$arg" in
    --bench) want+=("${bench[@]}") ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
