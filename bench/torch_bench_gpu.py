# torch_bench_gpu.py — PyTorch's side of bench/cuda_bench.sh: GPT-2 124M training
# tokens/s (forward, cross-entropy, backward, clip, fused AdamW) and KV-cache
# greedy decode tokens/s, fp32 weights with TF32 matmuls, on the same GPU.
#   python3 bench/torch_bench_gpu.py B T STEPS SAMPLE_B NEW     -> one JSON line
# Benchmark only: never a dependency of rlhf.
import json, os, sys, time
import torch, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt_gpu import GPT

B, T, STEPS, SB, NEW = map(int, sys.argv[1:6])
torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True
dev = "cuda" if torch.cuda.is_available() else "cpu"   # cpu: only to check the script
sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
V = 50257
m = GPT().to(dev)
opt = torch.optim.AdamW(m.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1,
                        **({"fused": True} if dev == "cuda" else {}))
x = torch.randint(0, V, (B, T + 1), device=dev)


def step():
    logits, _, _ = m(x[:, :-1])
    loss = F.cross_entropy(logits.view(-1, V), x[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    opt.step()


for _ in range(2):
    step()
sync(); t0 = time.time()
for _ in range(STEPS):
    step()
sync(); dt = (time.time() - t0) / STEPS
with torch.no_grad():
    p = torch.randint(0, V, (SB, 64), device=dev)
    logits, _, past = m(p)
    sync(); t0 = time.time()
    pos = 64
    for _ in range(NEW - 1):
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        logits, _, past = m(nxt, pos, past)
        pos += 1
    sync(); dd = time.time() - t0
print(json.dumps({"torch": torch.__version__, "train": {"step_s": dt, "tokens_per_s": B * T / dt},
                  "sample": {"decode_s": dd, "decode_tokens_per_s": SB * NEW / dd}}))
