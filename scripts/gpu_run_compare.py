#!/usr/bin/env python3
"""Compares two runs of scripts/gpu_run.sh (the GPU's against the CPU's): the training loss at
every step, which must be the same steps in both, within --tolerance (absolute, on a loss of
about 3.6: InfoNCE over three classes with CLIP's logit scale), and prints both curves, the
largest difference and each run's evaluation. The GPU run is bf16, the CPU run fp32 (sfar trains
in bf16 on CUDA only), and the devices' kernels sum in different orders: the curves differ by
rounding, not exactly the same (docs/gpu.md).

Usage: gpu_run_compare.py REFERENCE_OUT OTHER_OUT [--tolerance 0.1]
"""
import argparse
import json
import math
import os
import sys


def losses(out):
    path = os.path.join(out, "run", "metrics.jsonl")
    curve = {}
    with open(path) as f:
        for line in f:
            j = json.loads(line)
            if j.get("kind") == "train":
                curve[j["step"]] = j["loss"]
    if not curve:
        sys.exit(f"gpu_run_compare: {path} has no training steps")
    return curve


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("reference")
    p.add_argument("other")
    p.add_argument("--tolerance", type=float, default=0.1)
    a = p.parse_args()
    ref, other = losses(a.reference), losses(a.other)
    if sorted(ref) != sorted(other):
        sys.exit(f"gpu_run_compare: the runs logged different steps: {sorted(ref)} and {sorted(other)}")
    worst = 0.0
    for step in sorted(ref):
        r, o = ref[step], other[step]
        if not (math.isfinite(r) and math.isfinite(o)):
            sys.exit(f"gpu_run_compare: step {step}: loss {r} and {o}: not finite")
        worst = max(worst, abs(r - o))
        print(f"step {step}: {a.reference}: {r:.5f}  {a.other}: {o:.5f}  diff {abs(r - o):.5f}")
    for out in (a.reference, a.other):
        with open(os.path.join(out, "eval.json")) as f:
            print(f"{out}: eval {f.read().strip()}")
    verdict = "within" if worst <= a.tolerance else "OUTSIDE"
    print(f"gpu_run_compare: {len(ref)} steps, largest loss difference {worst:.5f}, {verdict} {a.tolerance}")
    return 0 if worst <= a.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
