#!/usr/bin/env python3
"""Eager-PyTorch reference of `sfar bench train` for the mean head (ViFi-CLIP baseline).

The same model and step as sfar's, written from scratch in plain PyTorch: CLIP's ViT image
tower applied to every frame (the same attention arithmetic as sfar's ClipAttention: one
in-projection, scaled q, matmul, softmax, matmul, out-projection; QuickGELU MLP), the frozen text
tower held in memory (never run: the text bank is random), the mean of frame embeddings, scaled
cosine logits against the class embeddings (exp(logit_scale) capped at 100), InfoNCE with
same-class positives or cross-entropy, then the Trainer's step: zero_grad, loss.item(),
backward, clip_grad_norm_, AdamW over sfar's parameter groups (backbone = clip.visual.*
at lr * ratio; no weight decay for biases, norms, embeddings and the logit scale).

Run with the project's environment (its torch wheel holds the LibTorch sfar links):
  .venv/bin/python scripts/bench_train_reference.py --width 768 --layers 12 --resolution 224 \
      --batch 1 --frames 2 --threads 2 --json
On a GPU, with the PyTorch whose LibTorch sfar was built against, as sfar's trainer runs
train.precision=bf16 (forward and loss under autocast, backward and AdamW outside it):
  python3 scripts/bench_train_reference.py --device cuda --precision bf16 --batch 8 --json
Prints one JSON line with the keys sfar's `bench train --json` uses.
"""
import argparse
import contextlib
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    fused = True  # --attention: F.scaled_dot_product_attention, or matmul + softmax written out

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        nn.init.xavier_uniform_(self.in_proj_weight)
        with torch.no_grad():
            self.out_proj.bias.zero_()

    def forward(self, x):
        b, n, w = x.shape
        d = w // self.heads
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias).view(b, n, 3, self.heads, d)
        qkv = qkv.permute(2, 0, 3, 1, 4)
        if Attention.fused:
            out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        else:
            q = qkv[0] * (1.0 / math.sqrt(d))
            scores = torch.matmul(q, qkv[1].transpose(-2, -1))
            weights = torch.softmax(scores, -1)
            out = torch.matmul(weights, qkv[2])
        return self.out_proj(out.transpose(1, 2).reshape(b, n, w))


class QuickGelu(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential()
        self.mlp.add_module("c_fc", nn.Linear(width, 4 * width))
        self.mlp.add_module("gelu", QuickGelu())
        self.mlp.add_module("c_proj", nn.Linear(4 * width, width))

    def forward(self, x):
        y = x + self.attn(self.ln_1(x))
        return y + self.mlp(self.ln_2(y))


class Transformer(nn.Module):
    def __init__(self, width, layers, heads):
        super().__init__()
        self.resblocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        proj_std = width ** -0.5 * (2 * layers) ** -0.5
        with torch.no_grad():
            for b in self.resblocks:
                b.attn.in_proj_weight.normal_(0, width ** -0.5)
                b.attn.out_proj.weight.normal_(0, proj_std)
                b.mlp.c_fc.weight.normal_(0, (2 * width) ** -0.5)
                b.mlp.c_proj.weight.normal_(0, proj_std)

    def forward(self, x):
        for block in self.resblocks:
            x = block(x)
        return x


class Vision(nn.Module):
    def __init__(self, resolution, patch, width, layers, embed_dim):
        super().__init__()
        g = resolution // patch
        scale = width ** -0.5
        self.conv1 = nn.Conv2d(3, width, patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(g * g + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, width // 64)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, embed_dim))

    def forward(self, images):
        x = self.conv1(images).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(x.shape[0], 1, x.shape[2])
        x = self.ln_pre(torch.cat([cls, x], 1) + self.positional_embedding)
        x = self.transformer(x)
        return torch.matmul(self.ln_post(x[:, 0]), self.proj)


class Clip(nn.Module):
    """Parameter names as sfar's (clip.visual.*, clip.logit_scale, the text tower)."""

    def __init__(self, a):
        super().__init__()
        self.visual = Vision(a.resolution, a.patch, a.width, a.layers, a.embed_dim)
        self.token_embedding = nn.Embedding(a.vocab, a.text_width)
        self.positional_embedding = nn.Parameter(torch.empty(a.context, a.text_width).normal_(0, 0.01))
        self.transformer = Transformer(a.text_width, a.text_layers, max(1, a.text_width // 64))
        self.ln_final = nn.LayerNorm(a.text_width)
        self.text_projection = nn.Parameter(torch.empty(a.text_width, a.embed_dim).normal_(0, a.text_width ** -0.5))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))


class MeanModel(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.clip = Clip(a)
        for name, p in self.clip.named_parameters():  # the text tower is frozen
            if not name.startswith("visual.") and name != "logit_scale":
                p.requires_grad_(False)

    def forward(self, clips, class_embed):
        b, t = clips.shape[:2]
        frames = self.clip.visual(clips.reshape(b * t, *clips.shape[2:])).view(b, t, -1)
        video = frames.mean(1, keepdim=True)
        v = F.normalize(video, dim=-1)
        c = F.normalize(class_embed, dim=-1)
        cos = (v * c.unsqueeze(0)).sum(-1)
        return self.clip.logit_scale.exp().clamp_max(100.0) * cos


def mean_positive_nll(log_prob, positive):
    pos = positive.to(log_prob.dtype)
    count = pos.sum(1)
    per_row = -(log_prob * pos).sum(1) / count.clamp_min(1)
    return per_row.masked_select(count > 0).mean()


def info_nce(logits, labels, lam):
    matrix = logits.index_select(1, labels)
    positive = labels.unsqueeze(1) == labels.unsqueeze(0)
    v2t = mean_positive_nll(torch.log_softmax(matrix, 1), positive)
    t2v = mean_positive_nll(torch.log_softmax(matrix, 0).t(), positive.t())
    return v2t + lam * t2v


NO_DECAY = ("ln_", "norm", "embedding", "logit_scale")


def param_groups(model, a):
    """sfar's group_parameters: backbone/head x decay/no_decay, then the logit scale on its own
    (no decay, lr * logit_scale_lr_ratio), empty groups dropped."""
    norm_params = {id(p) for m in model.modules() if isinstance(m, nn.LayerNorm) for p in m.parameters()}
    groups = {k: [] for k in ("bd", "bn", "hd", "hn", "ls")}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name == "logit_scale" or name.endswith(".logit_scale"):
            groups["ls"].append(p)
            continue
        backbone = name.startswith("clip.visual.")
        no_decay = name.endswith("bias") or id(p) in norm_params or any(k in name for k in NO_DECAY)
        groups[("b" if backbone else "h") + ("n" if no_decay else "d")].append(p)
    ratios = {"b": a.backbone_lr_ratio, "h": 1.0, "l": a.logit_scale_lr_ratio}
    out = []
    for key in ("bd", "bn", "hd", "hn", "ls"):
        if groups[key]:
            ratio = ratios[key[0]]
            wd = a.weight_decay if key[1] == "d" else 0.0
            out.append({"params": groups[key], "lr": a.lr * ratio, "weight_decay": wd})
    return out


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_peak_gflops(n, device, dtype):
    """Best GFLOP/s of five n x n products in the step's matmul dtype, after one warm-up."""
    with torch.no_grad():
        x = torch.randn(n, n, device=device, dtype=dtype)
        y = torch.randn(n, n, device=device, dtype=dtype)
        c = torch.mm(x, y)
        synchronize(device)
        best = 1e300
        for _ in range(5):
            t = time.perf_counter()
            torch.mm(x, y, out=c)
            synchronize(device)
            best = min(best, time.perf_counter() - t)
    return 2.0 * n ** 3 / best / 1e9


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    arg = p.add_argument
    arg("--width", type=int, default=768)
    arg("--layers", type=int, default=12)
    arg("--resolution", type=int, default=224)
    arg("--patch", type=int, default=16)
    arg("--embed-dim", type=int, default=512)
    arg("--text-width", type=int, default=512)
    arg("--text-layers", type=int, default=12)
    arg("--vocab", type=int, default=49408)
    arg("--context", type=int, default=77)
    arg("--batch", type=int, default=2)
    arg("--frames", type=int, default=8)
    arg("--classes", type=int, default=32)
    arg("--steps", type=int, default=5)
    arg("--warmup", type=int, default=2)
    arg("--threads", type=int, default=0)
    arg("--loss", choices=("infonce", "ce"), default="infonce")
    arg("--lam", type=float, default=1.0)
    arg("--lr", type=float, default=5e-5)
    arg("--backbone-lr-ratio", type=float, default=0.1)
    arg("--logit-scale-lr-ratio", type=float, default=0.1)
    arg("--weight-decay", type=float, default=0.02)
    arg("--betas", type=float, nargs=2, default=(0.9, 0.999))
    arg("--eps", type=float, default=1e-8)
    arg("--grad-clip", type=float, default=0.0)
    arg("--matmul-size", type=int, default=2048)
    arg("--seed", type=int, default=0)
    arg("--device", default="cpu", help="cpu, cuda or cuda:N")
    arg("--precision", choices=("fp32", "bf16"), default="fp32", help="bf16: autocast on CUDA, as sfar")
    arg("--attention", choices=("fused", "math"), default="fused",
        help="fused: F.scaled_dot_product_attention (as sfar's default); math: matmul + softmax")
    arg("--compile", action="store_true", help="torch.compile the model (what a user would try next)")
    arg("--json", action="store_true")
    a = p.parse_args()
    Attention.fused = a.attention == "fused"

    device = torch.device(a.device)
    if a.precision != "fp32" and device.type != "cuda":
        p.error(f"--precision {a.precision} needs a CUDA device (as sfar's train.precision); got --device {a.device}")
    autocast_dtype = torch.bfloat16 if a.precision == "bf16" else None
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    rss_start = peak_rss_mb()
    torch.manual_seed(a.seed)
    model = MeanModel(a).to(device)
    forward = torch.compile(model) if a.compile else model
    clips = torch.randn(a.batch, a.frames, 3, a.resolution, a.resolution, device=device)
    labels = torch.randint(a.classes, (a.batch,), device=device)
    class_embed = torch.randn(a.classes, a.embed_dim, device=device)  # the random text bank's class embeddings
    groups = param_groups(model, a)
    optimizer = torch.optim.AdamW(groups, lr=a.lr, betas=tuple(a.betas), eps=a.eps, weight_decay=a.weight_decay)
    params = [q for g in groups for q in g["params"]]

    last_loss = float("nan")

    def step():
        nonlocal last_loss
        optimizer.zero_grad()
        model.train()
        with torch.autocast(device.type, dtype=autocast_dtype) if autocast_dtype else contextlib.nullcontext():
            logits = forward(clips, class_embed)
            loss = F.cross_entropy(logits, labels) if a.loss == "ce" else info_nce(logits, labels, a.lam)
        last_loss = loss.item()
        loss.float().backward()
        if a.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(params, a.grad_clip)
        optimizer.step()

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    for _ in range(a.warmup):
        step()
    synchronize(device)
    times = []
    start = time.perf_counter()
    for _ in range(a.steps):
        t = time.perf_counter()
        step()
        synchronize(device)
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    if device.type == "cuda":
        memory_kind, peak = "cuda_max_allocated", torch.cuda.max_memory_allocated(device) / (1024.0 * 1024.0)
    else:
        memory_kind, peak = "peak_rss", peak_rss_mb()
    median = sorted(times)[len(times) // 2]  # the element sfar's bench takes (upper median)

    g2 = (a.resolution // a.patch) ** 2
    L, D = g2 + 1, a.width
    patch_f = 2.0 * g2 * 3 * a.patch ** 2 * D
    rest = a.layers * (24.0 * L * D * D + 4.0 * L * L * D) + 2.0 * D * a.embed_dim
    flops = a.batch * a.frames * (2 * patch_f + 3 * rest)
    peak_dtype = torch.bfloat16 if a.precision == "bf16" else torch.float32
    gflops_peak = matmul_peak_gflops(a.matmul_size, device, peak_dtype) if a.matmul_size > 0 else 0.0
    achieved = flops / median / 1e9
    line = {
        "command": "bench train", "implementation": "pytorch-compile" if a.compile else "pytorch-eager",
        "torch": torch.__version__, "attention": a.attention,
        "device": str(device), "threads": torch.get_num_threads(), "head": "mean", "loss": a.loss,
        "precision": a.precision,
        "batch": a.batch, "frames": a.frames, "classes": a.classes,
        "trainable_parameters": sum(q.numel() for q in params), "param_groups": len(groups),
        "warmup": a.warmup, "steps": a.steps, "last_loss": last_loss,
        "steps_per_s": a.steps / total, "median_step_s": median, "min_step_s": min(times),
        "videos_per_s": a.batch / median, "memory_kind": memory_kind, "peak_memory_mb": peak,
        "rss_at_start_mb": rss_start, "step_gflop": flops / 1e9, "step_gflops_per_s": achieved,
        "matmul_size": a.matmul_size, "matmul_peak_gflops": gflops_peak,
        "peak_share": achieved / gflops_peak if gflops_peak > 0 else 0.0,
    }
    if a.json:
        print(json.dumps(line))
    else:
        for k, v in line.items():
            print(f"{k}: {v}")


if __name__ == "__main__":
    main()
