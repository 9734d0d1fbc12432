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
