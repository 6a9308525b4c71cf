# torch_ppo_gpu.py — the PyTorch peer of one rlhf.c PPO iteration on a GPU
# (bench/cuda_session.sh runs it beside `rlhf ppo --device cuda`): a GPT-2 policy
# with a value head, a frozen reference copy and a GPT-2 judge with a scalar head,
# all fp32 weights with TF32 matmuls (rlhf.c's CUDA numerics), SDPA attention.
# One iteration = rollout (KV-cache sampling of B replies of NEW tokens after a
# PROMPT-token prompt), judge scoring, policy + reference log-probs and values,
# then EPOCHS passes of minibatches of MB rows: forward, clipped PPO + value loss,
# backward, grad clip, AdamW. Prints one JSON line with the four times of the
# last iteration (rlhf.c's t_rollout, t_score, t_ref, t_update).
#   python3 bench/torch_ppo_gpu.py [--layers 12 --heads 12 --embd 768 --vocab 50257]
#                                  [--batch 64 --mb 16 --epochs 4 --prompt 48 --new 64 --iters 2]
# Benchmark only: never a dependency of rlhf.
import argparse, json, os, sys, time
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt_gpu import GPT

ap = argparse.ArgumentParser()
for k, v in dict(layers=12, heads=12, embd=768, vocab=50257, batch=64, mb=16, epochs=4, prompt=48, new=64,
                 iters=2).items():
    ap.add_argument("--" + k, type=int, default=v)
a = ap.parse_args()
torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True
dev = "cuda" if torch.cuda.is_available() else "cpu"   # cpu: only to check the script
C, NH, L, V, CTX = a.embd, a.heads, a.layers, a.vocab, 1024


pol, ref, judge = (GPT(L, NH, C, V, CTX, head=True).to(dev) for _ in range(3))
ref.load_state_dict(pol.state_dict())
ref.requires_grad_(False)
judge.requires_grad_(False)
opt = torch.optim.AdamW(pol.parameters(), lr=1e-5, betas=(0.9, 0.95), weight_decay=0.0,
                        **({"fused": True} if dev == "cuda" else {}))
B, P, N = a.batch, a.prompt, a.new


def logp_of(model, seq, values=False):
    logits, val, _ = model(seq)
    lp = torch.log_softmax(logits[:, P - 1:-1].float(), -1).gather(-1, seq[:, P:, None]).squeeze(-1)
    return (lp, val[:, P - 1:-1]) if values else lp


def iteration():
    t = {}
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    sync(); t0 = time.time()
    with torch.no_grad():   # rollout: prefill, then NEW sampled tokens with the KV cache
        seq = torch.randint(0, V, (B, P), device=dev)
        logits, _, past = pol(seq)
        out = []
        for i in range(N):
            nxt = torch.multinomial(torch.softmax(logits[:, -1], -1), 1)
            out.append(nxt)
            if i + 1 < N:
                logits, _, past = pol(nxt, P + i, past)
        seq = torch.cat([seq] + out, 1)
    sync(); t["t_rollout"] = time.time() - t0; t0 = time.time()
    with torch.no_grad():
        _, score, _ = judge(seq)
        reward = score[:, -1]
    sync(); t["t_score"] = time.time() - t0; t0 = time.time()
    with torch.no_grad():
        old_lp, old_v = logp_of(pol, seq, True)
        ref_lp = logp_of(ref, seq)
    sync(); t["t_ref"] = time.time() - t0; t0 = time.time()
    rew = -0.05 * (old_lp - ref_lp)
    rew[:, -1] += reward
    adv, gae = torch.zeros_like(rew), torch.zeros(B, device=dev)   # GAE, γ = 1, λ = 0.95
    for k in range(N - 1, -1, -1):
        nv = old_v[:, k + 1] if k + 1 < N else torch.zeros(B, device=dev)
        gae = rew[:, k] + nv - old_v[:, k] + 0.95 * gae
        adv[:, k] = gae
    ret = adv + old_v
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    for _ in range(a.epochs):
        for idx in torch.randperm(B, device=dev).split(a.mb):
            lp, v = logp_of(pol, seq[idx], True)
            ratio = torch.exp(lp - old_lp[idx])
            pl = -torch.min(ratio * adv[idx], ratio.clamp(0.8, 1.2) * adv[idx]).mean()
            vc = old_v[idx] + (v - old_v[idx]).clamp(-0.2, 0.2)
            vl = 0.5 * torch.max((v - ret[idx]) ** 2, (vc - ret[idx]) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            (pl + 0.1 * vl).backward()
            torch.nn.utils.clip_grad_norm_(pol.parameters(), 1.0)
            opt.step()
    sync(); t["t_update"] = time.time() - t0
    return t


for _ in range(a.iters):
    t = iteration()
print(json.dumps({"torch": torch.__version__, "device": torch.cuda.get_device_name(0) if dev == "cuda" else "cpu", "batch": B, "minibatch": a.mb,
                  "epochs": a.epochs, "prompt": P, "new": N, **t, "total": sum(t.values())}))
