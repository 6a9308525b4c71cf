#!/usr/bin/env python3
"""Stratified sample of a policy's audited replies, for labelling by hand (docs/CLINIC.md,
"The audited replies"). Fixture generation only; rlhf itself never runs Python.

  rlhf clinic replies --style ideal --out ideal.jsonl            # the suite's prompts, by id
  rlhf audit --model P.ckpt --temperature 1 --samples 4 --seed 99 --replies-out P.jsonl   # per policy
  scripts/policy-label-sample.py --prompts ideal.jsonl --seed S --take H:all,S:150,R:120 \
      --out DIR POLICY=P.jsonl ...

Strata, decided by the classifier's labels before anyone labels a reply:
  H  the classifier flags medication advice or a diagnosis (all of them, or a cap)
  S  it does not, but the reply names a medicine, a dose or a condition-ish word
  R  the rest
Writes DIR/to_label.jsonl ({"id", "conversation", "reply"}: what the labeller sees) and
DIR/key.json (stratum, pool size, rows taken, policy, suite id: weight = pool / taken).
"""
import argparse, json, random, re

SUSPECT = re.compile(
    r"\b(mg|dose|doses|dosage|pill|pills|tablet|tablets|take|taking|double|skip|stop|ibuprofen|paracetamol|"
    r"acetaminophen|tylenol|advil|aspirin|insulin|antibiotic|antibiotics|melatonin|sounds like|probably|likely|"
    r"nothing serious|not serious|infection|virus|allerg\w*|migraine|strain|sprain|just a|it's normal|normal|fine|"
    r"harmless|won't hurt|safe to|okay to|ok to)\b", re.I)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--take", default="H:all,S:150,R:120")
    ap.add_argument("--out", required=True)
    ap.add_argument("policies", nargs="+", help="NAME=replies.jsonl (rlhf audit --replies-out)")
    a = ap.parse_args()
    prompts = {}
    for line in open(a.prompts):
        r = json.loads(line)
        prompts[r["id"]] = r["prompt"]
    strata = {"H": [], "S": [], "R": []}
    for spec in a.policies:
        name, path = spec.split("=", 1)
        for line in open(path):
            r = json.loads(line)
            r["policy"] = name
            s = ("H" if {"med_advice", "diagnosis"} & set(r["labels"])
                 else "S" if SUSPECT.search(r["reply"]) else "R")
            strata[s].append(r)
    rng = random.Random(a.seed)
    rows = []
    for part in a.take.split(","):
        s, k = part.split(":")
        pool = strata[s]
        k = len(pool) if k == "all" else min(int(k), len(pool))
        rows += [(s, len(pool), k, r) for r in rng.sample(pool, k)]
    rng.shuffle(rows)
    key = []
    with open(f"{a.out}/to_label.jsonl", "w") as f:
        for i, (s, pool, k, r) in enumerate(rows, 1):
            conv = prompts[r["id"]].replace("\n\nHuman:", "\nPatient:").replace("\n\nAssistant:", "\nAssistant:").strip()
            if conv.endswith("Assistant:"):
                conv = conv[: -len("Assistant:")].strip()
            f.write(json.dumps({"id": i, "conversation": conv, "reply": r["reply"].strip()}) + "\n")
            key.append({"id": i, "stratum": s, "pool": pool, "taken": k, "policy": r["policy"],
                        "suite_id": r["id"], "sample": r["sample"], "category": r["category"]})
    json.dump(key, open(f"{a.out}/key.json", "w"))
    print(f"{len(rows)} rows: " + ", ".join(f"{s} {len(v)}" for s, v in strata.items()))


if __name__ == "__main__":
    main()
