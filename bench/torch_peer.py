#!/usr/bin/python3
"""The PyTorch peer for `make bench`: the same GPT-2 model and the same three
tasks as `rlhf speed`, on the same CPU threads, printing one JSON line.

  /usr/bin/python3 bench/torch_peer.py --config S --task train [--threads 2]

Configs (issue 2): S = 6 layers, 6 heads, width 384, vocab 8192, T=256, B=8;
M = GPT-2 124M shape (12/12/768, vocab 50257), T=64, B=4.
Tasks: train = forward+backward+AdamW on B×T tokens; sample = prompt 64,
generate 128 with a KV cache, batch 8 (S) / 4 (M); judge = scalar head on the
last token, Bradley–Terry loss on 8 (chosen, rejected) pairs of T=256.
Benchmarks only: never a dependency of the rlhf binary."""
import argparse, json, math, resource, time
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    "S": dict(n_layer=6, n_head=6, n_embd=384, vocab=8192, T=256, B=8, sample_B=8, max_seq=512),
    "M": dict(n_layer=12, n_head=12, n_embd=768, vocab=50257, T=64, B=4, sample_B=4, max_seq=1024),
}


class Block(nn.Module):
    def __init__(self, C, NH):
        super().__init__()
        self.NH = NH
        self.ln1 = nn.LayerNorm(C)
        self.qkv = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C)
        self.fc = nn.Linear(C, 4 * C)
        self.fcproj = nn.Linear(4 * C, C)

    def attn(self, x, cache=None):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        hs = C // self.NH
        q = q.view(B, T, self.NH, hs).transpose(1, 2)
        k = k.view(B, T, self.NH, hs).transpose(1, 2)
        v = v.view(B, T, self.NH, hs).transpose(1, 2)
        if cache is not None:
            if cache.get("k") is not None:
                k = torch.cat([cache["k"], k], dim=2)
                v = torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        Tk = k.shape[2]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        mask = torch.ones(T, Tk, dtype=torch.bool).tril(diagonal=Tk - T)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(y)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln1(x), cache)
        x = x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))
        return x


class GPT(nn.Module):
    def __init__(self, c, scalar_head=False):
        super().__init__()
        self.wte = nn.Embedding(c["vocab"], c["n_embd"])
        self.wpe = nn.Embedding(c["max_seq"], c["n_embd"])
        self.blocks = nn.ModuleList([Block(c["n_embd"], c["n_head"]) for _ in range(c["n_layer"])])
        self.lnf = nn.LayerNorm(c["n_embd"])
        self.head = nn.Linear(c["n_embd"], 1) if scalar_head else None

    def hidden(self, idx, caches=None, pos0=0):
        T = idx.shape[1]
        pos = torch.arange(pos0, pos0 + T)
        x = self.wte(idx) + self.wpe(pos)
        for i, b in enumerate(self.blocks):
            x = b(x, caches[i] if caches is not None else None)
        return self.lnf(x)

    def logits(self, h):
        return h @ self.wte.weight.t()


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(cfg_name, task, steps, warmup):
    c = CONFIGS[cfg_name]
    torch.manual_seed(0)
    B, T, V = c["B"], c["T"], c["vocab"]
    if task == "train":
        model = GPT(c)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1)
        x = torch.randint(0, V, (B, T)); y = torch.randint(0, V, (B, T))
        def step():
            loss = F.cross_entropy(model.logits(model.hidden(x)).view(-1, V), y.view(-1))
            opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        tokens = B * T
    elif task == "judge":
        model = GPT(c, scalar_head=True)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0)
        pairs, T = 8, 256
        x = torch.randint(0, V, (2 * pairs, T))
        def step():
            r = model.head(model.hidden(x)[:, -1, :]).squeeze(-1)
            loss = -F.logsigmoid(r[:pairs] - r[pairs:]).mean()
            opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        tokens = 2 * pairs * T
    elif task == "sample":
        model = GPT(c); model.eval()
        Bs, P, G = c["sample_B"], 64, 128
        prompt = torch.randint(0, V, (Bs, P))
        def step():
            with torch.no_grad():
                caches = [dict() for _ in model.blocks]
                h = model.hidden(prompt, caches, 0)
                nxt = torch.multinomial(model.logits(h[:, -1]).softmax(-1), 1)
                for t in range(G - 1):
                    h = model.hidden(nxt, caches, P + t)
                    nxt = torch.multinomial(model.logits(h[:, -1]).softmax(-1), 1)
        tokens = Bs * G
    else:
        raise SystemExit("unknown task " + task)
    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    dt = time.perf_counter() - t0
    return dict(impl="pytorch", torch=torch.__version__, config=cfg_name, task=task, threads=torch.get_num_threads(),
                steps=steps, seconds=round(dt, 3), tokens_per_s=round(tokens * steps / dt, 1),
                peak_rss_mb=round(peak_rss_mb(), 1))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="S", choices=CONFIGS)
    ap.add_argument("--task", default="train", choices=["train", "sample", "judge"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--interop-threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(a.interop_threads)
    print(json.dumps(run(a.config, a.task, a.steps, a.warmup)))
