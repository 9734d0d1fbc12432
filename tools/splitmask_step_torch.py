#!/usr/bin/env python3
"""PyTorch reference of the @splitmask/splitmask train step (SplitMask and BEiT), for the benchmark ratio.

Same model and step as packages/splitmask/src/{splitmask,beit}.ts: plain pre-norm ViT (learned abs
pos-embed, CLS, LayerNorm eps 1e-6, exact GELU), SplitMask = both branches as one 2B batch through the
encoder (visible patches + CLS), shared 2-block decoder (mask_token + pos_embed at missing positions),
LN + Linear(D, V) head on the missing positions, mean-pooled decoder outputs -> symmetric InfoNCE
(tau 0.2); BEiT = mask tokens in the encoder, 40% masked. AdamW + global-norm clip 3.0.
Masks are random permutations here (shape-identical to the block masks; timing does not depend on it).

Run with Debian's python (torch 1.13 + OpenBLAS):  /usr/bin/python3 tools/splitmask_step_torch.py \
  --method splitmask --image 28 --patch 4 --dim 64 --depth 4 --heads 4 --mlp-ratio 2 --vocab 128 --batch 64 --steps 6
`--device cuda` runs it on the GPU (loss.item() synchronises each step).
Prints one JSON line: {"method", "device", "imgs_per_s", "step_ms", "peak_rss_mb", "loss"}.
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(d, eps=1e-6)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d, eps=1e-6)
        self.fc1 = nn.Linear(d, int(d * mlp_ratio))
        self.fc2 = nn.Linear(int(d * mlp_ratio), d)
        self.heads = heads

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * (d // self.heads) ** -0.5) @ k.transpose(-2, -1)
        o = (attn.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d)
        x = x + self.proj(o)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class Model(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.p = a.patch
        self.L = (a.image // a.patch) ** 2
        d = a.dim
        self.patch_embed = nn.Linear(a.patch * a.patch * a.chans, d)
        self.cls_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + self.L, d) * 0.02)
        self.blocks = nn.ModuleList([Block(d, a.heads, a.mlp_ratio) for _ in range(a.depth)])
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.mask_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.dec_blocks = nn.ModuleList([Block(d, a.heads, a.mlp_ratio) for _ in range(2)]) if a.method == 'splitmask' else None
        self.dec_norm = nn.LayerNorm(d, eps=1e-6)
        self.head = nn.Linear(d, a.vocab)

    def patchify(self, x):  # [B, H, W, C] -> [B, L, p*p*C]
        b, h, w, c = x.shape
        p = self.p
        return x.reshape(b, h // p, p, w // p, p, c).permute(0, 1, 3, 2, 4, 5).reshape(b, -1, p * p * c)

    def encode(self, tokens):
        b = tokens.shape[0]
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(b, -1, -1)
        x = torch.cat([cls, tokens], 1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def splitmask_loss(self, images, tokens, tau=0.2):
        b = images.shape[0]
        L = self.L
        perm = torch.argsort(torch.rand(b, L, device=images.device), 1)
        k = L // 2  # odd L: the last patch of perm is in neither branch (both predict it)
        vis = torch.cat([perm[:, :k], perm[:, k:2 * k]], 0).sort(1).values  # [2B, K]
        rest = perm[:, 2 * k:]
        mis = torch.cat([torch.cat([perm[:, k:2 * k], rest], 1), torch.cat([perm[:, :k], rest], 1)], 0).sort(1).values
        x = self.patchify(images)
        e = self.patch_embed(x) + self.pos_embed[:, 1:]
        e2 = torch.cat([e, e], 0)
        d = e.shape[-1]
        h = self.encode(torch.gather(e2, 1, vis[..., None].expand(-1, -1, d)))[:, 1:]
        seq = (self.mask_token + self.pos_embed[:, 1:]).expand(2 * b, -1, -1).clone()
        seq = seq.scatter(1, vis[..., None].expand(-1, -1, d), h)
        for blk in self.dec_blocks:
            seq = blk(seq)
        seq = self.dec_norm(seq)
        logits = self.head(torch.gather(seq, 1, mis[..., None].expand(-1, -1, d)))
        tok2 = torch.cat([tokens, tokens], 0)
        mim = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.gather(tok2, 1, mis).reshape(-1))
        z = F.normalize(seq.mean(1), dim=-1)
        s = z[:b] @ z[b:].t() / tau
        lab = torch.arange(b, device=images.device)
        nce = 0.5 * (F.cross_entropy(s, lab) + F.cross_entropy(s.t(), lab))
        return mim + nce

    def beit_loss(self, images, tokens, ratio=0.4):
        b = images.shape[0]
        L = self.L
        m = round(ratio * L)
        w = torch.zeros(b, L, device=images.device)
        w.scatter_(1, torch.argsort(torch.rand(b, L, device=images.device), 1)[:, :m], 1.0)
        e = self.patch_embed(self.patchify(images))
        e = e * (1 - w[..., None]) + self.mask_token * w[..., None] + self.pos_embed[:, 1:]
        h = self.encode(e)[:, 1:]
        sel = w.bool()
        return F.cross_entropy(self.head(h[sel]), tokens[sel])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--method', default='splitmask', choices=['splitmask', 'beit'])
    ap.add_argument('--image', type=int, default=28)
    ap.add_argument('--patch', type=int, default=4)
    ap.add_argument('--chans', type=int, default=1)
    ap.add_argument('--dim', type=int, default=64)
    ap.add_argument('--depth', type=int, default=4)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--mlp-ratio', type=float, default=2)
    ap.add_argument('--vocab', type=int, default=128)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--steps', type=int, default=6)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--device', default='cpu', help="'cuda' for PyTorch eager on the GPU (tools/device-check.sh)")
    ap.add_argument('--threads', type=int, default=1,
                    help='intra-op threads; the caller sets OPENBLAS_NUM_THREADS/OMP_NUM_THREADS to the same')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Model(a).to(a.device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05)
    images = torch.rand(a.batch, a.image, a.image, a.chans, device=a.device)
    tokens = torch.randint(0, a.vocab, (a.batch, model.L), device=a.device)
    loss_fn = model.splitmask_loss if a.method == 'splitmask' else model.beit_loss

    def step():
        opt.zero_grad()
        loss = loss_fn(images, tokens)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 3.0)
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    dt = (time.perf_counter() - t0) / a.steps
    print(json.dumps({
        'method': a.method,
        'device': a.device,
        'threads': torch.get_num_threads(),
        'imgs_per_s': a.batch / dt,
        'step_ms': dt * 1000,
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'loss': loss,
    }))


if __name__ == '__main__':
    main()
