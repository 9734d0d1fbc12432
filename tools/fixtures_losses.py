#!/usr/bin/env python3
"""PyTorch reference fixtures for @splitmask/losses (packages/losses/test/fixtures/*.json).

Run with Debian's torch: `/usr/bin/python3 tools/fixtures_losses.py`.

Each case holds float32 inputs (stored exactly: every number is a float32 value written as the
shortest decimal that round-trips), the options passed to the TS function, the outputs, and the
gradients of the scalar loss with respect to every float input. References are computed in float64
from those float32 inputs, so they are the exact answer the float32 TS code should approach.

Reference code (copied semantics, not reimplemented from our own description):
- masked token prediction: `F.cross_entropy` (mean, or reduction='none' then sum(w*ce)/sum(w));
- InfoNCE: MoCo v3 `ctr_loss` (moco-v3/moco/builder.py) adapted as the project decided (paper.md §8
  row 6): mean of the two directions, no `2 * T` factor;
- DINO: `DINOLoss.forward` and `update_center` from facebookresearch/dino main_dino.py @ 7c446df,
  single process (all_reduce / world size 1);
- timm `LabelSmoothingCrossEntropy`, `SoftTargetCrossEntropy`, `mixup_target` (timm/loss/cross_entropy.py,
  timm/data/mixup.py);
- MAE `forward_loss` (facebookresearch/mae models_mae.py), with the target given already patchified.
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "packages", "losses", "test", "fixtures")


def f32(x):
    """float32 tensor, then float64 leaf that requires grad (exact float32 values)."""
    return x.to(torch.float32).to(torch.float64).requires_grad_(True)


def enc(x):
    x = x.detach()
    if x.dtype in (torch.int64, torch.int32):
        return {"shape": list(x.shape), "dtype": "int32", "data": [int(v) for v in x.reshape(-1).tolist()]}
    # float32 value written as the shortest float64 repr: parses back to the same float32.
    vals = x.to(torch.float32).to(torch.float64).reshape(-1).tolist()
    return {"shape": list(x.shape), "dtype": "float32", "data": vals}


def enc64(x):
    """Reference outputs/gradients: float64, not rounded to float32."""
    x = x.detach().to(torch.float64)
    return {"shape": list(x.shape), "dtype": "float32", "data": x.reshape(-1).tolist()}


def case(name, inputs, outputs, options=None, grad_of="loss"):
    loss = outputs[grad_of]
    floats = {k: v for k, v in inputs.items() if v.dtype == torch.float64 and v.requires_grad}
    grads = torch.autograd.grad(loss, list(floats.values()), allow_unused=True)
    g = {}
    for (k, v), gv in zip(floats.items(), grads):
        g[k] = enc64(gv if gv is not None else torch.zeros_like(v))
    return {
        "name": name,
        "options": options or {},
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "outputs": {k: enc64(v) for k, v in outputs.items()},
        "grads": g,
    }


def write(name, cases):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as fh:
        json.dump({"generator": "tools/fixtures_losses.py", "torch": torch.__version__, "cases": cases}, fh)
    print(f"{path}: {os.path.getsize(path)} bytes, {len(cases)} cases")


# ---------------------------------------------------------------------------------------------------
# Masked token cross-entropy (F.cross_entropy)


def masked_ce_case(name, b, m, v, scale=1.0, weights=None):
    logits = f32(torch.randn(b, m, v) * scale)
    targets = torch.randint(0, v, (b, m))
    ce = F.cross_entropy(logits.reshape(-1, v), targets.reshape(-1), reduction="none").reshape(b, m)
    inputs = {"logits": logits, "targets": targets}
    if weights is None:
        loss = F.cross_entropy(logits.reshape(-1, v), targets.reshape(-1))  # mean over B*M
        w = torch.ones(b, m, dtype=torch.float64)
    else:
        w = weights.to(torch.float32).to(torch.float64)
        inputs["weights"] = w
        loss = (ce * w).sum() / w.sum()
    correct = (logits.argmax(-1) == targets).to(torch.float64)
    accuracy = (correct * w).sum() / w.sum()
    outputs = {"loss": loss, "perPosition": ce, "correct": correct, "accuracy": accuracy}
    return case(name, inputs, outputs)


masked = [
    masked_ce_case("fixed M, mean over B*M", 2, 3, 7),
    masked_ce_case("batch of 1", 1, 4, 5),
    masked_ce_case("large logits (scale 100)", 2, 3, 6, scale=100.0),
    masked_ce_case("binary weights", 2, 4, 5, weights=torch.tensor([[1, 0, 1, 1], [0, 0, 1, 0]])),
    masked_ce_case("fractional weights", 2, 3, 4, weights=torch.tensor([[0.5, 2.0, 0.0], [1.0, 0.25, 3.0]])),
    masked_ce_case("all positions weighted", 2, 3, 5, weights=torch.ones(2, 3)),
]
write("masked-cross-entropy.json", masked)

# ---------------------------------------------------------------------------------------------------
# Symmetric InfoNCE: MoCo v3 ctr_loss, mean of both directions, no 2*T factor.


def ctr_loss(q, k, T):
    q = nn.functional.normalize(q, dim=1)
    k = nn.functional.normalize(k, dim=1)
    logits = torch.einsum("nc,mc->nm", [q, k]) / T
    labels = torch.arange(q.shape[0])
    return nn.CrossEntropyLoss()(logits, labels), logits


def info_nce_case(name, b, d, temperature, scale=1.0, za=None, zb=None):
    za = f32(za if za is not None else torch.randn(b, d) * scale)
    zb = f32(zb if zb is not None else torch.randn(b, d) * scale)
    lab, logits_ab = ctr_loss(za, zb, temperature)
    lba, logits_ba = ctr_loss(zb, za, temperature)
    loss = 0.5 * (lab + lba)
    labels = torch.arange(za.shape[0])
    acc = 0.5 * (
        (logits_ab.argmax(1) == labels).double().mean() + (logits_ba.argmax(1) == labels).double().mean()
    )
    # MoCo v3 as released: sum of both directions, each times 2T (builder.py `ctr(q1, k2) + ctr(q2, k1)`),
    # kept to document the relation ours = mocoV3 / (4T).
    moco = (lab + lba) * (2 * temperature)
    outputs = {"loss": loss, "accuracy": acc, "mocoV3Loss": moco}
    return case(name, {"za": za, "zb": zb}, outputs, {"temperature": temperature})


base = torch.randn(4, 6)
nce = [
    info_nce_case("tau 0.2, B=4", 4, 6, 0.2),
    info_nce_case("batch of 2", 2, 5, 0.2),
    info_nce_case("tau 0.01, large norms", 3, 4, 0.01, scale=100.0),
    info_nce_case("tau 1.0", 5, 3, 1.0),
    # correlated views: retrieval accuracy strictly between 0 and 1
    info_nce_case("correlated views", 4, 6, 0.2, za=base + 0.3 * torch.randn(4, 6), zb=base + 0.3 * torch.randn(4, 6)),
]
write("info-nce.json", nce)

# ---------------------------------------------------------------------------------------------------
# DINO (main_dino.py DINOLoss, single process)


class DINOLoss(nn.Module):
    def __init__(self, out_dim, ncrops, warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs, nepochs,
                 student_temp=0.1, center_momentum=0.9):
        super().__init__()
        self.student_temp = student_temp
        self.center_momentum = center_momentum
        self.ncrops = ncrops
        self.register_buffer("center", torch.zeros(1, out_dim))
        self.teacher_temp_schedule = np.concatenate((
            np.linspace(warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs),
            np.ones(nepochs - warmup_teacher_temp_epochs) * teacher_temp
        ))

    def forward(self, student_output, teacher_output, epoch):
        student_out = student_output / self.student_temp
        student_out = student_out.chunk(self.ncrops)
        temp = self.teacher_temp_schedule[epoch]
        teacher_out = F.softmax((teacher_output - self.center) / temp, dim=-1)
        teacher_out = teacher_out.detach().chunk(2)
        total_loss = 0
        n_loss_terms = 0
        for iq, q in enumerate(teacher_out):
            for v in range(len(student_out)):
                if v == iq:
                    continue
                loss = torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1)
                total_loss += loss.mean()
                n_loss_terms += 1
        total_loss /= n_loss_terms
        self.update_center(teacher_output)
        return total_loss

    @torch.no_grad()
    def update_center(self, teacher_output):
        batch_center = torch.sum(teacher_output, dim=0, keepdim=True)
        batch_center = batch_center / len(teacher_output)  # all_reduce over 1 process
        self.center = self.center * self.center_momentum + batch_center * (1 - self.center_momentum)


def dino_case(name, b, k, ncrops, epoch, sched, student_temp=0.1, momentum=0.9, scale=1.0):
    warm, temp, warm_epochs, epochs = sched
    crit = DINOLoss(k, ncrops, warm, temp, warm_epochs, epochs, student_temp, momentum).double()
    center0 = (torch.randn(1, k) * 0.5).to(torch.float32).to(torch.float64)
    crit.center = center0.clone()
    students = [f32(torch.randn(b, k) * scale) for _ in range(ncrops)]
    teachers = [f32(torch.randn(b, k) * scale) for _ in range(2)]
    loss = crit(torch.cat(students), torch.cat(teachers), epoch)
    inputs = {f"student{i}": s for i, s in enumerate(students)}
    inputs.update({f"teacher{i}": t for i, t in enumerate(teachers)})
    inputs["center"] = center0
    options = {"numCrops": ncrops, "epoch": epoch, "warmupTemp": warm, "temp": temp, "warmupEpochs": warm_epochs,
               "epochs": epochs, "studentTemp": student_temp, "momentum": momentum,
               "teacherTemp": float(crit.teacher_temp_schedule[epoch])}
    return case(name, inputs, {"loss": loss, "nextCenter": crit.center}, options)


dino = [
    dino_case("2 global + 2 local crops, warmup epoch 1", 3, 5, 4, 1, (0.04, 0.07, 3, 6)),
    dino_case("2 global crops only", 2, 6, 2, 0, (0.04, 0.04, 0, 4)),
    dino_case("large logits, after warmup", 2, 4, 3, 5, (0.04, 0.07, 3, 6), scale=30.0),
    dino_case("student temp 0.2, momentum 0.99", 2, 5, 3, 2, (0.04, 0.07, 2, 3), student_temp=0.2, momentum=0.99),
]
schedules = []
for warm, temp, we, e in [(0.04, 0.07, 30, 100), (0.04, 0.04, 0, 10), (0.04, 0.07, 3, 5), (0.04, 0.07, 1, 2),
                          (0.02, 0.05, 4, 4)]:
    vals = np.concatenate((np.linspace(warm, temp, we), np.ones(e - we) * temp))
    schedules.append({"warmupTemp": warm, "temp": temp, "warmupEpochs": we, "epochs": e, "values": vals.tolist()})
os.makedirs(OUT_DIR, exist_ok=True)
write("dino.json", dino)
with open(os.path.join(OUT_DIR, "teacher-temp-schedule.json"), "w") as fh:
    json.dump({"generator": "tools/fixtures_losses.py", "numpy": np.__version__, "schedules": schedules}, fh)

# ---------------------------------------------------------------------------------------------------
# Fine-tuning losses (timm)


class LabelSmoothingCrossEntropy(nn.Module):
    def __init__(self, smoothing=0.1):
        super().__init__()
        assert smoothing < 1.0
        self.smoothing = smoothing
        self.confidence = 1. - smoothing

    def forward(self, x, target):
        logprobs = F.log_softmax(x, dim=-1)
        nll_loss = -logprobs.gather(dim=-1, index=target.unsqueeze(1))
        nll_loss = nll_loss.squeeze(1)
        smooth_loss = -logprobs.mean(dim=-1)
        loss = self.confidence * nll_loss + self.smoothing * smooth_loss
        return loss.mean()


class SoftTargetCrossEntropy(nn.Module):
    def forward(self, x, target):
        loss = torch.sum(-target * F.log_softmax(x, dim=-1), dim=-1)
        return loss.mean()


def one_hot(x, num_classes, on_value=1., off_value=0.):
    x = x.long().view(-1, 1)
    return torch.full((x.size()[0], num_classes), off_value, dtype=torch.float64).scatter_(1, x, on_value)


def mixup_target(target, num_classes, lam=1., smoothing=0.0):
    off_value = smoothing / num_classes
    on_value = 1. - smoothing + off_value
    y1 = one_hot(target, num_classes, on_value=on_value, off_value=off_value)
    y2 = one_hot(target.flip(0), num_classes, on_value=on_value, off_value=off_value)
    return y1 * lam + y2 * (1. - lam)


def label_smoothing_case(name, b, c, smoothing, scale=1.0):
    x = f32(torch.randn(b, c) * scale)
    y = torch.randint(0, c, (b,))
    loss = LabelSmoothingCrossEntropy(smoothing)(x, y)
    # torch's built-in label smoothing is the same formula: cross-check the reference itself.
    assert torch.allclose(loss, F.cross_entropy(x, y, label_smoothing=smoothing), rtol=1e-12, atol=1e-12)
    return case(name, {"logits": x, "labels": y}, {"loss": loss}, {"smoothing": smoothing})


def soft_target_case(name, b, c, lam, smoothing, scale=1.0):
    x = f32(torch.randn(b, c) * scale)
    y = torch.randint(0, c, (b,))
    t = mixup_target(y, c, lam, smoothing).to(torch.float32).to(torch.float64)
    t_exact = mixup_target(y, c, lam, smoothing)
    t.requires_grad_(True)
    loss = SoftTargetCrossEntropy()(x, t)
    out = case(name, {"logits": x, "targets": t}, {"loss": loss}, {"lam": lam, "smoothing": smoothing})
    out["inputs"]["labels"] = enc(y)
    out["outputs"]["mixupTargets"] = enc64(t_exact)
    return out


finetune = [
    label_smoothing_case("label smoothing 0.1", 4, 6, 0.1),
    label_smoothing_case("label smoothing 0 equals F.cross_entropy", 3, 5, 0.0),
    label_smoothing_case("label smoothing 0.1, batch of 1, large logits", 1, 7, 0.1, scale=100.0),
    soft_target_case("mixup lam 0.7, smoothing 0.1", 4, 5, 0.7, 0.1),
    soft_target_case("mixup lam 1 (pure one-hot), smoothing 0", 3, 4, 1.0, 0.0),
    soft_target_case("cutmix-corrected lam 0.4375, odd batch", 5, 6, 0.4375, 0.1),
]
write("fine-tuning.json", finetune)

# ---------------------------------------------------------------------------------------------------
# MAE forward_loss


def forward_loss(target, pred, mask, norm_pix_loss):
    if norm_pix_loss:
        mean = target.mean(dim=-1, keepdim=True)
        var = target.var(dim=-1, keepdim=True)
        target = (target - mean) / (var + 1.e-6) ** .5
    loss = (pred - target) ** 2
    loss = loss.mean(dim=-1)  # [N, L], mean loss per patch
    loss = (loss * mask).sum() / mask.sum()  # mean loss on removed patches
    return loss


def patch_mse_case(name, b, l, p, norm, weights=None):
    pred = f32(torch.randn(b, l, p))
    target = f32(torch.rand(b, l, p) * 2 + 1)  # pixel-like values with a non-zero mean
    inputs = {"pred": pred, "target": target}
    if weights is None:
        mask = torch.ones(b, l, dtype=torch.float64)
    else:
        mask = weights.to(torch.float32).to(torch.float64)
        inputs["weights"] = mask
    loss = forward_loss(target, pred, mask, norm)
    return case(name, inputs, {"loss": loss}, {"normPixLoss": norm})


mse = [
    patch_mse_case("all patches, raw pixels", 2, 4, 6, False),
    patch_mse_case("all patches, normPixLoss", 2, 4, 6, True),
    patch_mse_case("masked patches, normPixLoss", 2, 5, 4, True, torch.tensor([[1, 0, 1, 1, 0], [0, 1, 1, 0, 1]])),
    patch_mse_case("masked patches, raw pixels", 1, 4, 3, False, torch.tensor([[0, 1, 1, 0]])),
]
write("patch-mse.json", mse)
