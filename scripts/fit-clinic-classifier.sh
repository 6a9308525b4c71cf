#!/usr/bin/env bash
# Refits the behaviour classifier's learned layer on the 16 labelled sets in
# tests/fixtures that clinic_learned_files (src/clinic/clinic_learned_fit.c)
# names, plus the generator's replies, and rewrites
# src/clinic/clinic_learned_weights.c, then rebuilds. The fit is deterministic:
# with unchanged data and code the file comes out byte for byte the same
# (tests/test_clinic_classifier.c checks the shipped weights equal a fresh fit).
# docs/CLINIC.md, "Learned layer", says what the fit does and how it was measured.
set -euo pipefail
cd "$(dirname "$0")/.."
make -j"$(nproc)" rlhf >/dev/null
./rlhf clinic fit-classifier --out src/clinic/clinic_learned_weights.c
make -j"$(nproc)" rlhf >/dev/null
