#!/usr/bin/env python3
"""KV-cached sampling throughput of torch_bench.py's GPT-2-style model in plain PyTorch, CPU: the reference for
`kiln bench --generate` (bench/vs-torch-generate.sh runs both). N rows of a P-token random prompt run as one [N, P]
batch (the prompt pass), then each step feeds the N sampled tokens as one [N, 1] batch against the cached keys and
values; a token is drawn from the softmax of the last position's logits (temperature 1, torch.multinomial). Reports,
per row count, sampled tokens/s (N * new tokens / the whole rollout, prompt pass included), the prompt pass's ms and
what is left of the rollout per decode step."""
import argparse, json, math, os, statistics, time

CONFIGS = {
    'tiny':      dict(vocab=512,   d_model=128, layers=2,  heads=4,  seq=64),
    'small':     dict(vocab=8192,  d_model=256, layers=4,  heads=4,  seq=128),
    'gpt2-124M': dict(vocab=50257, d_model=768, layers=12, heads=12, seq=256),
}
ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument('--config', choices=sorted(CONFIGS), default='gpt2-124M')
ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--rows', type=str, default='1,8,16')
ap.add_argument('--prompt', type=int, default=16)
ap.add_argument('--new-tokens', type=int, default=32)
ap.add_argument('--warmup', type=int, default=1)
ap.add_argument('--rollouts', type=int, default=3)
ap.add_argument('--seed', type=int, default=0)
ap.add_argument('--tag', type=str, default='')
args = ap.parse_args()
os.environ.setdefault('OMP_NUM_THREADS', str(args.threads))
import torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
cfg = CONFIGS[args.config]
V, C, L, H, T = cfg['vocab'], cfg['d_model'], cfg['layers'], cfg['heads'], cfg['seq']
if args.prompt + args.new_tokens > T:
    ap.error(f'--prompt {args.prompt} plus --new-tokens {args.new_tokens} exceeds {args.config}\'s {T} positions')


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)

    def forward(self, x, cache):  # x [N, t, C]; cache: [k, v] of [N, H, past, D] or None entries
        N, t, _ = x.shape
        D = C // H
        q, k, v = (z.view(N, t, H, D).transpose(1, 2) for z in self.qkv(x).split(C, dim=2))
        if cache[0] is not None:
            k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
        cache[0], cache[1] = k, v
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D))           # [N, H, t, past + t]
        if t > 1:
            past = k.shape[2] - t
            mask = torch.ones(t, past + t, dtype=torch.bool).triu(past + 1)
            att = att.masked_fill(mask, float('-inf'))
        y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(N, t, C)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.attn, self.ln2 = nn.LayerNorm(C), Attention(), nn.LayerNorm(C)
        self.fc, self.fc_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

    def forward(self, x, cache):
        x = x + self.attn(self.ln1(x), cache)
        return x + self.fc_proj(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.ln_f = nn.LayerNorm(C)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        for n, p in self.named_parameters():  # GPT-2's scaled init of the residual projections, as torch_bench.py
            if n.endswith('proj.weight'):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * L))

    def last_logits(self, idx, caches, start):  # idx [N, t] -> logits of the last position [N, V]
        x = self.wte(idx) + self.wpe(torch.arange(start, start + idx.shape[1]))
        for blk, cache in zip(self.blocks, caches):
            x = blk(x, cache)
        return F.linear(self.ln_f(x[:, -1, :]), self.wte.weight)


model = GPT().eval()


def rollout(rows, gen):
    prompt = torch.randint(0, V, (rows, args.prompt), generator=gen)
    caches = [[None, None] for _ in range(L)]
    t0 = time.perf_counter()
    logits = model.last_logits(prompt, caches, 0)
    nxt = torch.multinomial(F.softmax(logits, -1), 1, generator=gen)
    t1 = time.perf_counter()
    for step in range(1, args.new_tokens):
        logits = model.last_logits(nxt, caches, args.prompt + step - 1)
        nxt = torch.multinomial(F.softmax(logits, -1), 1, generator=gen)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t0


results = []
with torch.inference_mode():
    for rows in [int(r) for r in args.rows.split(',')]:
        gen = torch.Generator().manual_seed(args.seed + rows)
        for _ in range(args.warmup):
            rollout(rows, gen)
        times = [rollout(rows, gen) for _ in range(args.rollouts)]
        total = statistics.median(t for _, t in times)
        prefill = statistics.median(p for p, _ in times)
        results.append(dict(tag=args.tag, config=args.config, impl='torch', threads=args.threads, rows=rows,
                            prompt=args.prompt, new_tokens=args.new_tokens,
                            sampled_tok_s=round(rows * args.new_tokens / total, 1),
                            rollout_ms=round(total * 1e3, 2), prompt_ms=round(prefill * 1e3, 2),
                            decode_step_ms=round((total - prefill) / (args.new_tokens - 1) * 1e3, 2)))
        print(json.dumps(results[-1]), flush=True)
