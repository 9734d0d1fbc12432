#!/usr/bin/python3
"""Reference fixtures for @splitmask/vit (run: /usr/bin/python3 tools/fixtures_vit.py).

Builds a plain-PyTorch ViT that is module-for-module timm's VisionTransformer (timm is not installed
here): Conv2d patch embedding, CLS token, learned pos_embed, pre-norm blocks with a fused qkv Linear
(bias), exact GELU MLP, optional LayerScale (ls1/ls2.gamma), LayerNorm eps 1e-6, final `norm` or
`fc_norm` after mean pooling (global_pool='avg'), linear head. Its outputs are first cross-checked
against torchvision's VisionTransformer (an independent implementation, weights mapped name by name)
for the CLS-pooled config. Random weights with a fixed torch seed; B=2 inputs.

Writes packages/vit/test/fixtures/vit_<name>.safetensors (format written by hand: 8-byte LE header
length + JSON header + raw little-endian data) with keys:
  sd.<timm name>   state dict (timm layout)          in.images  [B, H, W, C] channels-last
  in.visible       [B, K] int32 sorted indices        in.loss_w  [B, numClasses]
  out.tokens       final tokens [B, 1+L, D]           out.pooled [B, D] (after fc_norm if any)
  out.logits       [B, numClasses]                    out.layer0 block-0 output [B, 1+L, D]
  out.attn_last    last block's attention [B, H, N, N]
  out.subset_tokens encoder on CLS + visible tokens only [B, 1+K, D]
  grad.<timm name> d(sum(logits * loss_w))/d(param), timm layout, for a few params
  ref.*            sincos table (MAE get_2d_sincos_pos_embed) and bicubic-resampled pos_embed
and the config in __metadata__.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), '..', 'packages', 'vit', 'test', 'fixtures')


class Attention(nn.Module):
    def __init__(self, dim, num_heads, qkv_bias):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        self.last_attn = attn
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class LayerScale(nn.Module):
    def __init__(self, dim, init):
        super().__init__()
        self.gamma = nn.Parameter(init * torch.ones(dim))

    def forward(self, x):
        return x * self.gamma


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio, qkv_bias, ls):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads, qkv_bias)
        self.ls1 = LayerScale(dim, ls) if ls else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.ls2 = LayerScale(dim, ls) if ls else nn.Identity()

    def forward(self, x):
        x = x + self.ls1(self.attn(self.norm1(x)))
        return x + self.ls2(self.mlp(self.norm2(x)))


class VisionTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, p = c['embedDim'], c['patchSize']
        self.c = c
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(c['inChans'], d, p, p)
        L = (c['imageSize'] // p) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + L, d))
        self.blocks = nn.ModuleList(
            [Block(d, c['numHeads'], c['mlpRatio'], c['qkvBias'], c['layerScaleInit']) for _ in range(c['depth'])])
        self.norm = nn.Identity() if c['fcNorm'] else nn.LayerNorm(d, eps=1e-6)
        self.fc_norm = nn.LayerNorm(d, eps=1e-6) if c['fcNorm'] else nn.Identity()
        self.head = nn.Linear(d, c['numClasses'])

    def embed(self, x):
        x = self.patch_embed.proj(x).flatten(2).transpose(1, 2) + self.pos_embed[:, 1:]
        return x, (self.cls_token + self.pos_embed[:, :1]).expand(x.shape[0], -1, -1)

    def forward_features(self, x, visible=None):
        x, cls = self.embed(x)
        if visible is not None:  # MAE-style: gather the visible tokens (pos embed already added)
            x = torch.gather(x, 1, visible.long().unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        x = torch.cat([cls, x], 1)
        self.layer_outs = []
        for blk in self.blocks:
            x = blk(x)
            self.layer_outs.append(x)
        return self.norm(x)

    def pool(self, t):
        return self.fc_norm(t[:, 1:].mean(1) if self.c['pool'] == 'mean' else t[:, 0])


def randomize(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('norm1.weight') or name.endswith('norm2.weight') or 'norm.weight' in name:
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith('gamma'):
                p.copy_(0.5 + 0.2 * torch.randn(p.shape, generator=gen))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = p[0].numel() if p.dim() > 1 else p.numel()
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in) * (0.5 if 'embed' in name or 'token' in name else 1))


def torchvision_check(model, c, images):
    """Independent check: torchvision's ViT with the same weights gives the same logits (CLS pooling)."""
    from torchvision.models.vision_transformer import VisionTransformer as TV
    d, depth = c['embedDim'], c['depth']
    tv = TV(c['imageSize'], c['patchSize'], depth, c['numHeads'], d, int(d * c['mlpRatio']), num_classes=c['numClasses'])
    tv.conv_proj = nn.Conv2d(c['inChans'], d, c['patchSize'], c['patchSize'])
    sd = model.state_dict()
    m = {'conv_proj.weight': 'patch_embed.proj.weight', 'conv_proj.bias': 'patch_embed.proj.bias',
         'class_token': 'cls_token', 'encoder.ln.weight': 'norm.weight', 'encoder.ln.bias': 'norm.bias',
         'heads.head.weight': 'head.weight', 'heads.head.bias': 'head.bias'}
    for i in range(depth):
        e, b = f'encoder.layers.encoder_layer_{i}.', f'blocks.{i}.'
        for tvn, tn in [('ln_1', 'norm1'), ('ln_2', 'norm2'), ('self_attention.out_proj', 'attn.proj'),
                        ('mlp.0', 'mlp.fc1'), ('mlp.3', 'mlp.fc2')]:
            m[e + tvn + '.weight'], m[e + tvn + '.bias'] = b + tn + '.weight', b + tn + '.bias'
        m[e + 'self_attention.in_proj_weight'] = b + 'attn.qkv.weight'
        m[e + 'self_attention.in_proj_bias'] = b + 'attn.qkv.bias'
    new = {}
    for k in tv.state_dict():
        if k == 'encoder.pos_embedding':
            new[k] = sd['pos_embed']  # torchvision adds it to [cls; patches] after the concat: same sum
        elif k == 'class_token':
            new[k] = sd['cls_token']
        else:
            new[k] = sd[m[k]]
    tv.load_state_dict(new)
    tv.eval()
    with torch.no_grad():
        a = tv(images)
        b = model.head(model.pool(model.forward_features(images)))
        model.blocks[0].attn.qkv.bias[0] += 1  # the comparison must be able to fail
        c2 = model.head(model.pool(model.forward_features(images)))
        model.blocks[0].attn.qkv.bias[0] -= 1
    assert (a - c2).abs().max().item() > 1e-3
    diff = (a - b).abs().max().item()
    assert diff < 1e-5, f'torchvision disagrees with the timm-style reference: {diff}'
    print(f'  torchvision ViT agrees: max |diff| = {diff:.2e}')


def get_2d_sincos_pos_embed(embed_dim, grid_size):
    """MAE util/pos_embed.py, verbatim logic (cls_token=True)."""
    def get_1d(dim, pos):
        omega = np.arange(dim // 2, dtype=np.float64) / (dim / 2.)
        omega = 1. / 10000 ** omega
        out = np.einsum('m,d->md', pos.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)
    grid_h = np.arange(grid_size, dtype=np.float32)
    grid_w = np.arange(grid_size, dtype=np.float32)
    grid = np.stack(np.meshgrid(grid_w, grid_h), axis=0).reshape([2, 1, grid_size, grid_size])
    emb = np.concatenate([get_1d(embed_dim // 2, grid[0]), get_1d(embed_dim // 2, grid[1])], axis=1)
    return np.concatenate([np.zeros([1, embed_dim]), emb], axis=0)


def write_safetensors(path, tensors, metadata):
    header, blobs, off = {'__metadata__': metadata}, [], 0
    for k, v in tensors.items():
        a = np.ascontiguousarray(v)
        dt = {np.dtype('float32'): 'F32', np.dtype('int32'): 'I32'}[a.dtype]
        raw = a.astype(a.dtype.newbyteorder('<')).tobytes()
        header[k] = {'dtype': dt, 'shape': list(a.shape), 'data_offsets': [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(len(h).to_bytes(8, 'little'))
        f.write(h)
        for b in blobs:
            f.write(b)
    print(f'  wrote {path} ({8 + len(h) + off} bytes)')


def make(name, c, seed, grad_names, tv_check):
    print(name)
    gen = torch.Generator().manual_seed(seed)
    model = VisionTransformer(c)
    randomize(model, gen)
    B, S, C = 2, c['imageSize'], c['inChans']
    L = (S // c['patchSize']) ** 2
    images = torch.rand(B, C, S, S, generator=gen)
    K = L // 2
    visible = torch.stack([torch.randperm(L, generator=gen)[:K].sort().values for _ in range(B)]).int()
    loss_w = torch.randn(B, c['numClasses'], generator=gen)
    if tv_check:
        torchvision_check(model, c, images)
    tokens = model.forward_features(images)
    pooled = model.pool(tokens)
    logits = model.head(pooled)
    loss = (logits * loss_w).sum()
    params = dict(model.named_parameters())
    grads = torch.autograd.grad(loss, [params[n] for n in grad_names])
    layer0 = model.layer_outs[0].detach().numpy()
    attn_last = model.blocks[-1].attn.last_attn.detach().numpy()
    with torch.no_grad():
        subset = model.forward_features(images, visible)
    t = {f'sd.{k}': v.detach().numpy() for k, v in model.state_dict().items()}
    t['in.images'] = images.permute(0, 2, 3, 1).numpy()
    t['in.visible'] = visible.numpy()
    t['in.loss_w'] = loss_w.numpy()
    t['out.tokens'] = tokens.detach().numpy()
    t['out.pooled'] = pooled.detach().numpy()
    t['out.logits'] = logits.detach().numpy()
    t['out.layer0'] = layer0
    t['out.attn_last'] = attn_last
    t['out.subset_tokens'] = subset.numpy()
    for n, g in zip(grad_names, grads):
        t[f'grad.{n}'] = g.numpy()
    g = int(math.sqrt(L))
    t['ref.sincos'] = get_2d_sincos_pos_embed(c['embedDim'], g).astype(np.float32)
    grid = model.pos_embed[:, 1:].detach().reshape(1, g, g, -1).permute(0, 3, 1, 2)
    for (h, w) in [(6, 6), (3, 5)]:
        r = F.interpolate(grid, size=(h, w), mode='bicubic', align_corners=False)
        t[f'ref.interp_{h}x{w}'] = torch.cat([model.pos_embed[:, :1].detach(), r.permute(0, 2, 3, 1).reshape(1, h * w, -1)], 1).numpy()
    write_safetensors(os.path.join(OUT, f'vit_{name}.safetensors'), t, {'config': json.dumps(c)})


BASE = dict(mlpRatio=4, qkvBias=True, dropPathRate=0, posEmbed='learned')
MU = dict(BASE, imageSize=16, patchSize=4, inChans=1, embedDim=32, depth=1, numHeads=2, numClasses=10,
          pool='cls', fcNorm=False, layerScaleInit=0)
TWO = dict(BASE, imageSize=16, patchSize=4, inChans=3, embedDim=32, depth=2, numHeads=2, numClasses=5,
           pool='mean', fcNorm=True, layerScaleInit=0.1)

if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    make('mu', MU, 0, ['cls_token', 'pos_embed', 'patch_embed.proj.weight', 'blocks.0.attn.qkv.weight',
                        'blocks.0.attn.proj.weight', 'blocks.0.mlp.fc2.weight', 'norm.weight', 'head.weight'], True)
    make('two', TWO, 1, ['cls_token', 'pos_embed', 'patch_embed.proj.weight', 'patch_embed.proj.bias',
                         'blocks.0.attn.qkv.weight', 'blocks.0.ls1.gamma', 'blocks.1.mlp.fc1.weight',
                         'blocks.1.ls2.gamma', 'fc_norm.weight', 'head.bias'], False)
