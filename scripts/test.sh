#!/usr/bin/env bash
# The README's test command: install packages if missing, build, run the default suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -j"$(nproc)" rlhf >/dev/null
make -j"$(nproc)" test
