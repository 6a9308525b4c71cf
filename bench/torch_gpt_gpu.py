# torch_gpt_gpu.py — the GPT-2 the GPU benchmarks run in PyTorch (imported by
# torch_bench_gpu.py and torch_ppo_gpu.py): pre-LayerNorm blocks, GELU(tanh),
# tied embeddings, fused SDPA attention with a KV cache, optional scalar head.
# fp32 weights; the callers turn TF32 matmuls on (rlhf.c's CUDA numerics).
# Benchmark only: never a dependency of rlhf.
import torch, torch.nn as nn, torch.nn.functional as F


def sdpa(q, k, v, causal):
    if hasattr(F, "scaled_dot_product_attention"):   # PyTorch ≥ 2.0 (the GPU machines)
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    att = (q @ k.transpose(-2, -1)) / (q.shape[-1] ** 0.5)   # older PyTorch: CPU checks of the scripts
    if causal:
        T = q.shape[-2]
        att = att.masked_fill(torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1), float("-inf"))
    return torch.softmax(att, -1) @ v


class Block(nn.Module):
    def __init__(s, C, NH):
        super().__init__()
        s.C, s.NH = C, NH
        s.ln1, s.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        s.qkv, s.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        s.fc, s.fcp = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

    def forward(s, x, past=None):
        Bx, Tx, C = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(C, dim=2)
        q, k, v = [t.view(Bx, Tx, s.NH, C // s.NH).transpose(1, 2) for t in (q, k, v)]
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        y = sdpa(q, k, v, past is None)
        x = x + s.proj(y.transpose(1, 2).reshape(Bx, Tx, C))
        return x + s.fcp(F.gelu(s.fc(s.ln2(x)), approximate="tanh")), (k, v)


class GPT(nn.Module):
    """forward(idx, pos0, pasts) -> (logits, head output per position or None, new KV pasts)."""

    def __init__(s, L=12, NH=12, C=768, V=50257, CTX=1024, head=False):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(V, C), nn.Embedding(CTX, C)
        s.h = nn.ModuleList(Block(C, NH) for _ in range(L))
        s.lnf = nn.LayerNorm(C)
        s.head = nn.Linear(C, 1) if head else None   # value head (policy) / scalar head (judge)

    def forward(s, idx, pos0=0, pasts=None):
        x = s.wte(idx) + s.wpe(torch.arange(pos0, pos0 + idx.shape[1], device=idx.device))
        new = []
        for i, b in enumerate(s.h):
            x, kv = b(x, None if pasts is None else pasts[i])
            new.append(kv)
        x = s.lnf(x)
        return F.linear(x, s.wte.weight), (s.head(x).squeeze(-1) if s.head is not None else None), new
