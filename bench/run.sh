#!/usr/bin/env bash
# `make bench`: rlhf.c and the PyTorch peer on the same configs, tasks and
# threads, in one invocation, one after the other (never at the same time),
# then the ratios into docs/BENCHMARKS.md (between the BENCH-TABLE markers).
#   THREADS=2 STEPS=5 bench/run.sh [S-train S-sample ...]
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-$(nproc)}
STEPS=${STEPS:-5}
PY=/usr/bin/python3
$PY -c 'import torch' 2>/dev/null || { echo "bench: PyTorch missing: run scripts/install-deps.sh --bench" >&2; exit 1; }
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=(S-train M-train S-sample M-sample S-judge)
out=build/bench.jsonl
mkdir -p build; : > "$out"
# the FMA peak these threads really reach (MFU is also read against it)
cc -O2 -march=native -fopenmp bench/fma_peak.c -o build/fma_peak
OMP_WAIT_POLICY=active build/fma_peak "$THREADS" > build/bench-peak.json
echo "bench: FMA peak $(cat build/bench-peak.json)" >&2
for c in "${cases[@]}"; do
  cfg=${c%-*}; task=${c#*-}
  steps=$STEPS; [ "$cfg" = M ] && [ "$task" = sample ] && steps=2
  echo "bench: $cfg $task (rlhf.c)" >&2
  OMP_WAIT_POLICY=active ./rlhf speed --config "$cfg" --task "$task" --threads "$THREADS" --steps "$steps" >> "$out"
  if [ "$task" = sample ]; then   # the default decodes from packed weights; also without, and in bf16
    OMP_WAIT_POLICY=active ./rlhf speed --config "$cfg" --task sample --no-pack --threads "$THREADS" --steps "$steps" >> "$out"
    OMP_WAIT_POLICY=active ./rlhf speed --config "$cfg" --task sample --bf16 --threads "$THREADS" --steps "$steps" >> "$out"
  fi
  echo "bench: $cfg $task (PyTorch)" >&2
  OMP_WAIT_POLICY=active OMP_NUM_THREADS=$THREADS $PY bench/torch_peer.py --config "$cfg" --task "$task" --threads "$THREADS" --steps "$steps" >> "$out"
done
if [ -f ../shared/data/gpt2-bpe/encoder.json ]; then
  echo "bench: tokenizer encoding speed (GPT-2 vocabulary, HH-RLHF files)" >&2
  ./rlhf tokenizer speed --gpt2 ../shared/data/gpt2-bpe ../shared/data/hh-rlhf/*/test.jsonl.gz > build/bench-tok.json || true
fi
$PY - "$out" <<'PYEOF'
import json, sys, re, platform, subprocess
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault((r["config"], r["task"]), {})[r["impl"]] = r
# variant decode rows are compared with the same PyTorch (fp32) row
for (cfg, task), d in list(by.items()):
    for impl, label in (("rlhf.c unpacked", " (--no-pack)"), ("rlhf.c bf16", " (bf16 weights)")):
        if impl in d and "pytorch" in d:
            by[(cfg, task + label)] = {"rlhf.c": d.pop(impl), "pytorch": d["pytorch"]}
by = dict(sorted(by.items(), key=lambda kv: (["train", "sample", "judge"].index(kv[0][1].split(" ")[0]), kv[0][0] != "S", kv[0][1])))
peak = json.load(open("build/bench-peak.json"))["gflops"]
bars = {("S","train"):2.0, ("M","train"):1.5, ("S","sample"):3.0, ("M","sample"):3.0, ("S","judge"):2.0}
cpu = subprocess.run(["sh","-c","lscpu | sed -n 's/^Model name: *//p'"],capture_output=True,text=True).stdout.strip()
lines = ["| config | task | rlhf.c tokens/s | PyTorch tokens/s | ratio | bar | rlhf.c MFU (400) | rlhf.c / measured peak | PyTorch / measured peak | rlhf.c peak RSS MB | PyTorch peak RSS MB |",
         "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for (cfg, task), d in by.items():
    a, b = d.get("rlhf.c"), d.get("pytorch")
    if not a or not b: continue
    ratio = a["tokens_per_s"] / b["tokens_per_s"]
    bar = bars.get((cfg, task.split(" ")[0]))
    ok = "" if bar is None else (" ✅" if ratio >= bar else " ❌")
    # the same model FLOPs per token on both sides: PyTorch's GFLOP/s = ours / ratio
    mem = " ✅" if a["peak_rss_mb"] <= b["peak_rss_mb"] else " ❌"
    lines.append(f"| {cfg} | {task} | {a['tokens_per_s']:.0f} | {b['tokens_per_s']:.0f} | {ratio:.2f}×{ok} | "
                 f"{'' if bar is None else f'≥{bar}×'} | {100*a['mfu']:.1f}% | {100*a['gflops']/peak:.0f}% | "
                 f"{100*a['gflops']/ratio/peak:.0f}% | {a['peak_rss_mb']:.0f}{mem} | {b['peak_rss_mb']:.0f} |")
torchv = next((r.get("torch") for r in rows if r["impl"]=="pytorch"), "?")
lines.append("")
lines.append(f"CPU: {cpu}; threads: {rows[0]['threads']}; PyTorch {torchv}; measured FMA peak of these threads "
             f"(bench/fma_peak.c): {peak:.0f} GFLOP/s. Raw lines: build/bench.jsonl.")
try:
    tok = json.load(open("build/bench-tok.json"))
    lines.append(f"Tokenizer (GPT-2 vocabulary) encoding the HH-RLHF test files: {tok.get('tokens_per_s', 0):,.0f} tokens/s.")
except Exception:
    pass
table = "\n".join(lines)
print(table)
path = "docs/BENCHMARKS.md"
try:
    doc = open(path).read()
except FileNotFoundError:
    doc = "# Benchmarks\n\n<!-- BENCH-TABLE -->\n<!-- /BENCH-TABLE -->\n"
new = re.sub(r"<!-- BENCH-TABLE -->.*<!-- /BENCH-TABLE -->", "<!-- BENCH-TABLE -->\n" + table + "\n<!-- /BENCH-TABLE -->", doc, flags=re.S)
open(path, "w").write(new)
PYEOF
