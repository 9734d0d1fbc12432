"""Reference fixtures for @splitmask/splitmask's DINO baseline (packages/splitmask/src/dino).

DINOHead is copied from facebookresearch/dino `vision_transformer.py` @ 7c446df (use_bn=False), so the
fixture is an independent PyTorch reference with torch's `weight_norm` semantics (dim=0: one norm per
output row of weight_v [out_dim, bottleneck]).

Run: /usr/bin/python3 tools/fixtures_dino.py
Writes packages/splitmask/test/fixtures/dino-head.json (tiny: in 32, hidden 16, bottleneck 8, out 64).
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)


class DINOHead(nn.Module):
    def __init__(self, in_dim, out_dim, use_bn=False, norm_last_layer=True, nlayers=3, hidden_dim=2048,
                 bottleneck_dim=256):
        super().__init__()
        nlayers = max(nlayers, 1)
        layers = [nn.Linear(in_dim, hidden_dim)]
        layers.append(nn.GELU())
        for _ in range(nlayers - 2):
            layers.append(nn.Linear(hidden_dim, hidden_dim))
            layers.append(nn.GELU())
        layers.append(nn.Linear(hidden_dim, bottleneck_dim))
        self.mlp = nn.Sequential(*layers)
        self.apply(self._init_weights)
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck_dim, out_dim, bias=False))
        self.last_layer.weight_g.data.fill_(1)
        if norm_last_layer:
            self.last_layer.weight_g.requires_grad = False

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=.02)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.mlp(x)
        x = F.normalize(x, dim=-1, p=2)
        x = self.last_layer(x)
        return x


def tolist(t):
    # 9 significant digits: float32-exact, keeps the file small.
    return [float('%.9g' % v) for v in t.detach().double().flatten().tolist()]


IN, HID, BOT, OUT, B = 32, 16, 8, 64, 4
cases = []
for norm_last_layer in (True, False):
    head = DINOHead(IN, OUT, norm_last_layer=norm_last_layer, hidden_dim=HID, bottleneck_dim=BOT).double()
    with torch.no_grad():
        # Non-trivial biases and gains so the test exercises them (init would make them 0 / 1).
        for m in head.mlp:
            if isinstance(m, nn.Linear):
                m.weight.normal_(0, 0.2)
                m.bias.normal_(0, 0.1)
        head.last_layer.weight_v.normal_(0, 1.0)
        if not norm_last_layer:
            head.last_layer.weight_g.uniform_(0.5, 1.5)
    x = torch.randn(B, IN, dtype=torch.float64)
    r = torch.randn(B, OUT, dtype=torch.float64)  # loss = sum(out * r) for gradients
    out = head(x)
    (out * r).sum().backward()
    params = {}
    grads = {}
    for name, p in head.named_parameters():
        params[name] = {'shape': list(p.shape), 'data': tolist(p)}
        if p.requires_grad:
            grads[name] = tolist(p.grad)
    cases.append({
        'normLastLayer': norm_last_layer,
        'dims': {'in': IN, 'hidden': HID, 'bottleneck': BOT, 'out': OUT, 'batch': B},
        'params': params,
        'x': tolist(x),
        'r': tolist(r),
        'out': tolist(out),
        'grads': grads,
    })

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, '..', 'packages', 'splitmask', 'test', 'fixtures', 'dino-head.json')
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f, separators=(',', ':'))
print('wrote', path, os.path.getsize(path), 'bytes')


# ---------------------------------------------------------------------------------------------------
# One full DINO step, twice (main_dino.py `train_one_epoch` @ 7c446df), on a 'mu'-size ViT written with
# timm's names and layouts: teacher on 2 global crops, student on 2 global + 2 local crops (position
# embedding resized bicubically to the local grid), DINOLoss, per-tensor clipping (`clip_gradients`),
# last layer cancelled in step 1 (`cancel_gradients_last_layer`, epoch 0), AdamW with DINO's two param
# groups, teacher EMA, center update. Written as safetensors: dino-step.safetensors.
# Deviation from DINO, on purpose: the pos-embed resize uses `size=` (as @splitmask/vit), not DINO's
# `scale_factor=` with +0.1 (same values up to the sampling offset).

import struct

import numpy as np


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    def __init__(self, img, patch, chans, dim, depth, heads, mlp_ratio):
        super().__init__()
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(chans, dim, patch, patch)
        self.grid = img // patch
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + self.grid ** 2, dim) * 0.02)
        self.blocks = nn.ModuleList([Block(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def pos(self, g):
        if g == self.grid:
            return self.pos_embed
        d = self.pos_embed.shape[-1]
        grid = self.pos_embed[:, 1:].reshape(1, self.grid, self.grid, d).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(g, g), mode='bicubic', align_corners=False)
        return torch.cat([self.pos_embed[:, :1], grid.permute(0, 2, 3, 1).reshape(1, g * g, d)], 1)

    def forward(self, x):
        x = self.patch_embed.proj(x)  # [B, D, g, g]
        g = x.shape[-1]
        x = x.flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos(g)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)[:, 0]


class MultiCropWrapper(nn.Module):
    def __init__(self, backbone, head):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x):
        sizes = torch.tensor([inp.shape[-1] for inp in x])
        idx_crops = torch.cumsum(torch.unique_consecutive(sizes, return_counts=True)[1], 0)
        start, output = 0, None
        for end in idx_crops:
            out = self.backbone(torch.cat(x[start:end]))
            output = out if output is None else torch.cat((output, out))
            start = end
        return self.head(output)


def dino_loss(student_output, teacher_output, center, ncrops, student_temp, teacher_temp):
    student_out = (student_output / student_temp).chunk(ncrops)
    teacher_out = F.softmax((teacher_output - center) / teacher_temp, dim=-1).detach().chunk(2)
    total, n = 0, 0
    for iq, q in enumerate(teacher_out):
        for v in range(len(student_out)):
            if v == iq:
                continue
            total += torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1).mean()
            n += 1
    return total / n


def get_params_groups(model):
    reg, not_reg = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (not_reg if name.endswith('.bias') or len(p.shape) == 1 else reg).append(p)
    return [{'params': reg}, {'params': not_reg, 'weight_decay': 0.}]


def clip_gradients(model, clip):
    for _, p in model.named_parameters():
        if p.grad is not None:
            clip_coef = clip / (p.grad.data.norm(2) + 1e-6)
            if clip_coef < 1:
                p.grad.data.mul_(clip_coef)


torch.manual_seed(1)
DIM, OUT_S, B_S = 32, 64, 2


def make():
    return MultiCropWrapper(ViT(16, 4, 1, DIM, 1, 2, 2), DINOHead(DIM, OUT_S, hidden_dim=16, bottleneck_dim=16)).double()


student = make()
with torch.no_grad():  # non-trivial biases / LayerNorm affine so every term is exercised
    for name, p in student.named_parameters():
        if name.endswith('.bias') or 'norm' in name:
            p.add_(torch.randn_like(p) * 0.05)
teacher = make()
teacher.load_state_dict(student.state_dict())
for p in teacher.parameters():
    p.requires_grad = False
init = {k: v.detach().clone() for k, v in student.state_dict().items()}
globals_ = [torch.randn(B_S, 1, 16, 16, dtype=torch.float64) for _ in range(2)]
locals_ = [torch.randn(B_S, 1, 8, 8, dtype=torch.float64) for _ in range(2)]
center = torch.zeros(1, OUT_S, dtype=torch.float64)
opt = torch.optim.AdamW(get_params_groups(student))  # betas (0.9, 0.999), eps 1e-8
CLIP = 0.05
# lr, wd, momentum, teacher temp, last layer frozen
SCALARS = [[2e-3, 0.04, 0.996, 0.04, 1.0], [3e-3, 0.1, 0.9, 0.06, 0.0]]
losses = []
for lr, wd, m, tt, frozen in SCALARS:
    for i, g in enumerate(opt.param_groups):
        g['lr'] = lr
        if i == 0:
            g['weight_decay'] = wd
    teacher_output = teacher(globals_)
    student_output = student(globals_ + locals_)
    loss = dino_loss(student_output, teacher_output, center, 4, 0.1, tt)
    opt.zero_grad()
    loss.backward()
    clip_gradients(student, CLIP)
    if frozen:
        for n_, p in student.named_parameters():
            if 'last_layer' in n_:
                p.grad = None
    opt.step()
    with torch.no_grad():
        for pq, pk in zip(student.parameters(), teacher.parameters()):
            pk.data.mul_(m).add_((1 - m) * pq.detach().data)
        batch_center = torch.sum(teacher_output, dim=0, keepdim=True) / len(teacher_output)
        center = center * 0.9 + batch_center * 0.1
    losses.append(loss.item())

tensors = {}
for k, v in init.items():
    if k.endswith('weight_g'):
        assert torch.all(v == 1)
        continue
    tensors[f'init.{k}'] = v
for k, v in student.state_dict().items():
    if not k.endswith('weight_g'):
        tensors[f'student.{k}'] = v
for k, v in teacher.state_dict().items():
    if not k.endswith('weight_g'):
        tensors[f'teacher.{k}'] = v
for i, x in enumerate(globals_):
    tensors[f'global{i}'] = x.permute(0, 2, 3, 1)  # NHWC
for i, x in enumerate(locals_):
    tensors[f'local{i}'] = x.permute(0, 2, 3, 1)
tensors['center'] = center
tensors['loss'] = torch.tensor(losses)
tensors['scalars'] = torch.tensor(SCALARS)
tensors['clip'] = torch.tensor([CLIP])


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for k in sorted(tensors):
        a = np.ascontiguousarray(tensors[k].detach().cpu().numpy().astype('<f4'))
        b = a.tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header['__metadata__'] = {'torch': torch.__version__, 'losses': json.dumps(losses)}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


step_path = os.path.join(here, '..', 'packages', 'splitmask', 'test', 'fixtures', 'dino-step.safetensors')
save_safetensors(step_path, tensors)
print('wrote', step_path, os.path.getsize(step_path), 'bytes; losses', losses)
