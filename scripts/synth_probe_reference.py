#!/usr/bin/env python3
"""How well can the quick start's small CLIP learn atomic actions? An eager-PyTorch probe.

Trains CLIP's ViT image tower from scratch (the module of scripts/bench_train_reference.py, at
the quick start's size) to classify the single-action clips of `sfar synth` outputs, and prints
one JSON line per epoch with training and held-out top-1. It shares nothing with sfar's data or
training code: clips are decoded by the ffmpeg command-line tool, the frames are taken at fixed
positions, and the model, loss and schedule are plain PyTorch. So it tells a limit of the
benchmark at this size and budget apart from a defect in sfar: train sfar on the same clips
(`--write-lists`) and compare.

  for s in 1 2 3 4 5 6 7; do build/sfar synth --seed $s --out /tmp/probe/s$s; done
  .venv/bin/python scripts/synth_probe_reference.py /tmp/probe/s{1..6} --val /tmp/probe/s7 \\
      --temporal-layers 2 --head linear --epochs 12

The same clips through sfar (`--write-lists /tmp/probe/lists`; an untrained CLIP and its
tokenizer from `sfar pretrain ... --set pretrain.epochs=1 --set pretrain.warmup_epochs=0
--set pretrain.lr=1e-12 --work-dir /tmp/probe/clip`):

  build/sfar protocol supervised -c configs/quickstart/mean.yaml --seeds 0 --work-dir /tmp/probe/sfar \
      --set data.root=/ --set data.list=/tmp/probe/lists/train.txt --set eval.list=/tmp/probe/lists/val.txt \
      --set data.labels=/tmp/probe/lists/classes.csv --set descriptions.cache= \
      --set model.weights=/tmp/probe/clip/clip.pt --set text.vocab=/tmp/probe/clip/tokenizer.model \
      --set head.type=temporal --set head.temporal_layers=2 --set loss.type=ce \
      --set train.backbone_lr_ratio=1.0 --set train.epochs=12 --set data.batch_size=16 --set train.batch_size=16

--head linear: a free linear classifier on the pooled frame features. --head cosine: as sfar's
heads, exp(logit_scale) (learned, capped at 100) times the cosine between the projected video
embedding and fixed random class vectors. --temporal-layers N puts N residual attention blocks
with a learned time embedding over the frame features before the mean (sfar's `temporal` head).
"""
import argparse
import json
import math
import os
import subprocess
import sys
from multiprocessing import Pool

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_train_reference import Transformer, Vision  # noqa: E402

MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 1, 3, 1, 1)
STD = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 1, 3, 1, 1)


def single_action_rows(root):
    """(path, action) of every single-action pre-training clip of one `sfar synth` output."""
    rows = set()
    with open(os.path.join(root, "pretrain", "list.txt")) as f:
        for line in f:
            path, _, tag = line.rstrip("\n").split("\t")
            if "+" not in tag:
                rows.add((os.path.join(root, path), tag))
    return sorted(rows)


def decode(job):
    path, frames, size = job
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    video = np.frombuffer(raw, np.uint8).reshape(-1, size, size, 3)
    at = ((np.arange(frames) + 0.5) * len(video) / frames).astype(int)
    return video[at]


def load(rows, actions, frames, size, workers):
    with Pool(workers) as pool:
        clips = pool.map(decode, [(path, frames, size) for path, _ in rows])
    x = torch.from_numpy(np.stack(clips)).float().div(255).permute(0, 1, 4, 2, 3)
    return (x - MEAN) / STD, torch.tensor([actions.index(tag) for _, tag in rows])


class Probe(nn.Module):
    def __init__(self, a, classes):
        super().__init__()
        self.visual = Vision(a.resolution, a.patch, a.width, a.layers, a.embed_dim)
        self.temporal = None
        if a.temporal_layers:
            self.time = nn.Parameter(torch.zeros(a.frames, a.embed_dim))
            self.temporal = Transformer(a.embed_dim, a.temporal_layers, max(1, a.embed_dim // 64))
        self.head = a.head
        if a.head == "linear":
            self.linear = nn.Linear(a.embed_dim, classes)
        else:
            g = torch.Generator().manual_seed(a.seed)
            self.register_buffer("bank", F.normalize(torch.randn(classes, a.embed_dim, generator=g), dim=1))
            self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def forward(self, clips):
        b, t = clips.shape[:2]
        x = self.visual(clips.flatten(0, 1)).view(b, t, -1)
        if self.temporal is not None:
            x = x + self.temporal(x + self.time[:t])
        video = x.mean(1)
        if self.head == "linear":
            return self.linear(video)
        return self.logit_scale.exp().clamp_max(100) * F.normalize(video, dim=1) @ self.bank.t()


def top1(model, x, y, batch=64):
    model.eval()
    with torch.no_grad():
        hits = sum((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item() for i in range(0, len(x), batch))
    model.train()
    return 100.0 * hits / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    arg = p.add_argument
    arg("train", nargs="+", help="`sfar synth` output directories whose single-action clips train the probe")
    arg("--val", required=True, help="an `sfar synth` output (another --seed) whose single-action clips are held out")
    arg("--head", choices=["linear", "cosine"], default="linear")
    arg("--temporal-layers", type=int, default=0)
    arg("--epochs", type=int, default=12)
    arg("--batch", type=int, default=16)
    arg("--lr", type=float, default=1e-3)
    arg("--weight-decay", type=float, default=0.02)
    arg("--frames", type=int, default=8)
    arg("--resolution", type=int, default=64)
    arg("--patch", type=int, default=16)
    arg("--width", type=int, default=64)
    arg("--layers", type=int, default=2)
    arg("--embed-dim", type=int, default=64)
    arg("--threads", type=int, default=2)
    arg("--seed", type=int, default=0)
    arg("--write-lists", metavar="DIR", help="also write train.txt, val.txt and classes.csv for `sfar train`")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    train_rows = [r for root in a.train for r in single_action_rows(root)]
    val_rows = single_action_rows(a.val)
    actions = sorted({tag for _, tag in train_rows})
    if a.write_lists:
        os.makedirs(a.write_lists, exist_ok=True)
        for name, rows in (("train.txt", train_rows), ("val.txt", val_rows)):
            with open(os.path.join(a.write_lists, name), "w") as f:
                f.writelines(f"{os.path.abspath(path)} {actions.index(tag)}\n" for path, tag in rows)
        with open(os.path.join(a.write_lists, "classes.csv"), "w") as f:
            f.write("id,name\n" + "".join(f'{i},"{tag.replace("_", " ")}"\n' for i, tag in enumerate(actions)))
    xtr, ytr = load(train_rows, actions, a.frames, a.resolution, a.threads)
    xva, yva = load(val_rows, actions, a.frames, a.resolution, a.threads)

    model = Probe(a, len(actions))
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay, betas=(0.9, 0.98))
    per_epoch = len(xtr) // a.batch
    total, step = a.epochs * per_epoch, 0
    for epoch in range(a.epochs):
        order, losses = torch.randperm(len(xtr)), []
        for i in range(per_epoch):
            lr = a.lr * min(1.0, (step + 1) / (0.08 * total)) * 0.5 * (1 + math.cos(math.pi * step / total))
            for g in opt.param_groups:
                g["lr"] = lr
            idx = order[i * a.batch:(i + 1) * a.batch]
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            losses.append(loss.item())
            step += 1
        print(json.dumps({"epoch": epoch + 1, "loss": sum(losses) / len(losses), "train_top1": top1(model, xtr, ytr),
                          "val_top1": top1(model, xva, yva), "chance_top1": 100.0 / len(actions),
                          "train_clips": len(xtr), "val_clips": len(xva), "head": a.head,
                          "temporal_layers": a.temporal_layers}), flush=True)


if __name__ == "__main__":
    main()
