#!/usr/bin/env python3
"""Loader clips/s per core before and after `sfar data prepare`, interleaved, in one command.

    scripts/bench_data_prepare.py --sfar build/tools/sfar/sfar --videos "$SFAR_DATA_DIR/videos" \
        --work /tmp/bench_prepare [--rounds 5] [--batches 5]

Three source sets are made from the clips in --videos with the ffmpeg tool: `real` (the clips as
they are), `kf16` (re-encoded, a key frame every 16 frames) and `1080p` (scaled to a 1080-pixel short side,
x264's default GOP). Each set is prepared with every variant below, then the rounds run
`sfar bench data` (one worker, one thread) on every (set, variant) pair, the order rotating each
round, so that the machine's load falls on all of them alike. It prints, per pair, the median
clips/s with its min and max, the median of the per-round ratios to the source, the prepare
time and the size on disk; then clips/s at 1 and 2 workers with the peak memory, and
1 vs 2 FFmpeg threads inside a clip (these run first, before the rounds). All JSON lines
are also written to <work>/results.jsonl.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

VARIANTS = {
    "h264_gop8": ["--codec", "h264", "--gop", "8"],
    "h264_gop16": ["--codec", "h264", "--gop", "16"],
    "mjpeg": ["--codec", "mjpeg"],
}
SETS = {
    "real": None,
    "kf16": ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-g", "16", "-keyint_min", "16",
             "-sc_threshold", "0"],
    "1080p": ["-vf", "scale=-2:1080", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18"],
}


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return out.stdout


def make_set(name, videos, work):
    root = os.path.join(work, "sets", name)
    os.makedirs(root, exist_ok=True)
    names = []
    for i, clip in enumerate(sorted(os.listdir(videos))):
        src = os.path.join(videos, clip)
        stem, ext = os.path.splitext(clip)  # test.avi and test.mp4 both exist: the stem keeps the extension
        if SETS[name] is None:
            dst = os.path.join(root, f"{stem}_{ext[1:]}{ext}")
            if not os.path.exists(dst):
                os.symlink(src, dst)
        else:
            dst = os.path.join(root, f"{stem}_{ext[1:]}.mp4")
            if not os.path.exists(dst):
                run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", src, "-an"] + SETS[name] + [dst])
        names.append((os.path.basename(dst), i % 3))
    with open(os.path.join(root, "list.txt"), "w") as f:
        f.writelines(f"{n} {label}\n" for n, label in names)
    config = os.path.join(work, f"{name}.yaml")
    with open(config, "w") as f:
        f.write(f"data:\n  root: {root}\n  list: {root}/list.txt\n  short_side: 256\n")
    return config, root


def size_of(folder, suffixes):
    total = 0
    for base, _, files in os.walk(folder):
        total += sum(os.path.getsize(os.path.join(base, f)) for f in files
                     if f.endswith(suffixes) and not f.startswith("."))
    return total


def bench(sfar, config, args, workers=1, decoder_threads=1):
    line = run([sfar, "--threads", "1", "bench", "data", "--config", config, "--key-interval", "0",
                "--workers", str(workers), "--decoder-threads", str(decoder_threads), "--batches", str(args.batches), "--batch-size", "8",
                "--reference-clips", "1", "--seed", "0"])
    return json.loads(line.strip().splitlines()[-1])


def scaling(sfar, configs, args, results):
    """1 vs 2 loader workers, and 1 vs 2 FFmpeg threads inside a clip; run first, on the quietest machine."""
    print("\nscaling (real set, h264_gop8 and source), interleaved, median of rounds:")
    for variant in ["source", "h264_gop8"]:
        per = {1: [], 2: []}
        rss = {1: [], 2: []}
        for r in range(max(1, args.rounds // 2)):
            for workers in (1, 2) if r % 2 == 0 else (2, 1):
                line = bench(sfar, configs[("real", variant)], args, workers)
                per[workers].append(line["clips_per_s"])
                rss[workers].append(line["peak_rss_mb"])
                results.write(json.dumps({"scaling": variant, "workers": workers, **line}) + "\n")
        one, two = statistics.median(per[1]), statistics.median(per[2])
        print(f"  {variant:10} 1 worker {one:6.2f} clips/s, 2 workers {two:6.2f} clips/s ({two / one:.2f}x); "
              f"peak RSS {statistics.median(rss[1]):.0f} MB / {statistics.median(rss[2]):.0f} MB "
              f"(the second worker adds {statistics.median(rss[2]) - statistics.median(rss[1]):.0f} MB)")
    print("\nframe threading inside a clip (1 worker), interleaved, median of rounds:")
    for name in ("1080p", "real"):
        per = {1: [], 2: []}
        for r in range(max(1, args.rounds // 2)):
            for threads in (1, 2) if r % 2 == 0 else (2, 1):
                line = bench(sfar, configs[(name, "source")], args, 1, threads)
                per[threads].append(line["clips_per_s"])
                results.write(json.dumps({"frame_threads": name, "decoder_threads": threads, **line}) + "\n")
        one, two = statistics.median(per[1]), statistics.median(per[2])
        print(f"  {name:6} source, 1 decoder thread {one:6.2f} clips/s, 2 threads {two:6.2f} clips/s ({two / one:.2f}x)")
    results.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sfar", required=True)
    p.add_argument("--videos", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--batches", type=int, default=5)
    args = p.parse_args()
    sfar = args.sfar
    os.makedirs(args.work, exist_ok=True)
    results = open(os.path.join(args.work, "results.jsonl"), "w")
    configs, facts = {}, {}
    for name in SETS:
        config, root = make_set(name, args.videos, args.work)
        configs[(name, "source")] = config
        facts[(name, "source")] = {"bytes": size_of(root, (".mp4", ".avi", ".webm", ".mkv")), "prepare_s": 0.0}
        for variant, flags in VARIANTS.items():
            out = os.path.join(args.work, "prepared", name, variant)
            start = time.monotonic()
            summary = json.loads(run([sfar, "data", "prepare", "-c", config, "--out", out, "--workers", "1"] + flags)
                                 .strip().splitlines()[-1])
            seconds = time.monotonic() - start
            configs[(name, variant)] = summary["config"]
            facts[(name, variant)] = {"bytes": summary["prepared_bytes"], "prepare_s": seconds,
                                      "prepared_now": summary["prepared"]}
            results.write(json.dumps({"prepare": [name, variant], **summary}) + "\n")
    scaling(sfar, configs, args, results)
    pairs = list(configs)
    rates = {pair: [] for pair in pairs}
    for r in range(args.rounds):
        order = pairs[r % len(pairs):] + pairs[:r % len(pairs)]
        for pair in order:
            line = bench(sfar, configs[pair], args)
            rates[pair].append(line["clips_per_s"])
            results.write(json.dumps({"round": r, "pair": pair, **line}) + "\n")
            results.flush()
    print(f"{'set':6} {'variant':11} {'clips/s median':>14} {'[min, max]':>16} {'x source':>9} "
          f"{'MB on disk':>10} {'size ratio':>10} {'prepare s':>9}")
    for name in SETS:
        base = rates[(name, "source")]
        for variant in ["source"] + list(VARIANTS):
            pair = (name, variant)
            xs = rates[pair]
            ratio = statistics.median(x / b for x, b in zip(xs, base))
            mb = facts[pair]["bytes"] / 1e6
            size_ratio = facts[pair]["bytes"] / facts[(name, "source")]["bytes"]
            print(f"{name:6} {variant:11} {statistics.median(xs):14.2f} [{min(xs):6.2f}, {max(xs):6.2f}] "
                  f"{ratio:9.2f} {mb:10.2f} {size_ratio:10.3f} {facts[pair]['prepare_s']:9.1f}")
    print(f"\nload average at the end: {os.getloadavg()}; cores: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
