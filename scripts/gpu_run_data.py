#!/usr/bin/env python3
"""Tiny tensor clips for the GPU check's real run (scripts/gpu_run.sh): three classes, each a
bright square that moves right, down or diagonally over noise, written as `.safetensors` files
whose tensor `frames` is uint8 [N, H, W, 3] (sfar/io/tensor_clip.h). Needs only torch; the
safetensors header is written by hand. Deterministic: the same seed gives the same bytes.

Usage: gpu_run_data.py OUT_DIR [--clips-per-class 4] [--frames 8] [--size 64]
Writes OUT_DIR/clips/*.safetensors, train.txt, val.txt and labels.csv.
"""
import argparse
import json
import os
import struct

import torch

CLASSES = ["moving right", "moving down", "moving diagonally"]
STEPS = [(0, 1), (1, 0), (1, 1)]  # (dy, dx) per frame, in units of size / 16


def write_clip(path, frames):
    data = frames.contiguous().numpy().tobytes()
    header = json.dumps({"frames": {"dtype": "U8", "shape": list(frames.shape), "data_offsets": [0, len(data)]}})
    header += " " * (-len(header) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header.encode() + data)
    os.replace(path + ".tmp", path)


def clip(label, index, frames, size, gen):
    out = torch.randint(0, 96, (frames, size, size, 3), generator=gen, dtype=torch.uint8)
    side, unit = size // 4, max(1, size // 16)
    y0, x0 = (int(v) for v in torch.randint(0, size // 4, (2,), generator=gen))
    colour = torch.tensor([255, 200 - 60 * label, 40 + 80 * label], dtype=torch.uint8)
    dy, dx = STEPS[label]
    for t in range(frames):
        y, x = (y0 + dy * unit * t) % (size - side), (x0 + dx * unit * t) % (size - side)
        out[t, y:y + side, x:x + side] = colour
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--clips-per-class", type=int, default=4)
    p.add_argument("--frames", type=int, default=8)
    p.add_argument("--size", type=int, default=64)
    a = p.parse_args()
    if a.clips_per_class < 2 or a.frames < 1 or a.size < 16:
        p.error("need --clips-per-class >= 2, --frames >= 1 and --size >= 16")
    os.makedirs(os.path.join(a.out, "clips"), exist_ok=True)
    gen = torch.Generator().manual_seed(1234)
    train, val = [], []
    for label in range(len(CLASSES)):
        for i in range(a.clips_per_class):
            name = f"clips/c{label}_{i:03d}.safetensors"
            write_clip(os.path.join(a.out, name), clip(label, i, a.frames, a.size, gen))
            (val if i == 0 else train).append(f"{name} {label}\n")
    with open(os.path.join(a.out, "train.txt"), "w") as f:
        f.writelines(train)
    with open(os.path.join(a.out, "val.txt"), "w") as f:
        f.writelines(val)
    with open(os.path.join(a.out, "labels.csv"), "w") as f:
        f.write("id,name\n" + "".join(f"{i},{n}\n" for i, n in enumerate(CLASSES)))


if __name__ == "__main__":
    main()
