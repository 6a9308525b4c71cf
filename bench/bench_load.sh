#!/usr/bin/env bash
# Load test of the comparison bench: 50 concurrent reviewers on loopback.
#   bench/bench_load.sh [--db sqlite:/tmp/load.db | --db postgresql://...] [--reviewers 50] [--seconds 20] [--threads 8]
# Builds the driver against build/release/librlhf.a (run `make` first).
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build/release/librlhf.a
out=build/release/bench_load
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -Itests $(pkg-config --cflags libmicrohttpd sqlite3) -I"$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)" \
   -o "$out" bench/bench_load.c build/release/librlhf.a \
   -lopenblas $(pkg-config --libs libpcre2-8 zlib sqlite3 libmicrohttpd) -lpq -lm -fopenmp -lpthread
exec "$out" "$@"
