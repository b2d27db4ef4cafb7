"""sfar's video loader against the loaders researchers run today, on the same clips and task.

The task (what `sfar bench clips` does): 8 frames at TSN's segment centres, short side 256 (the
sfar rounding), centre crop 224, CLIP normalisation, one float clip [8, 3, 224, 224] at a time.
The peers, each used the fastest way its own documentation offers:
  decord      VideoReader(width, height, num_threads) resizes while decoding; get_batch(indices)
              (BIKE, ViFi-CLIP, X-CLIP);
  pyav        decodes in order up to the last wanted frame and converts only the wanted ones with
              to_ndarray(width, height) (mmaction2's PyAVDecode, PySlowFast);
  torchcodec  VideoDecoder(transforms=[Resize]) in approximate seek mode (its faster one: no scan
              of the whole file on opening); get_frames_at(indices).
All read the frame indices sfar's sampler chose (`sfar bench clips` prints them), so a count that
differs between decoders cannot move the comparison. "1 thread" is one decoding thread and one
intra-op thread in one process; "2 workers" is 2 loader threads (sfar) or 2 DataLoader worker
processes (peers), each single-threaded.

Checks before timing, per set and peer: the mean absolute difference per pixel from sfar's tensor,
in 0-255 levels, and whether each loader's frame t is the frame at its index: closer to the
reference decode's frame there than to the frames either side of it (PyAV decoding every frame in
order is the reference). sfar must pass on every frame; a peer's wrong frames are counted.

Timing: rounds interleave every (set, workers, loader) run, each in a fresh process; a run reads
the set's list as many times as
give at least --clips clips. Reports median clips/s with the spread, the ratio to the fastest
peer, and the peak RSS (the main process's, plus its largest worker's for DataLoader runs).

    scripts/bench_data_peers.sh                         # all sets and loaders, 5 rounds
    ROUNDS=3 SETS=real scripts/bench_data_peers.sh
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 3, 1, 1)
STD = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 3, 1, 1)
PEERS = ("decord", "pyav", "torchcodec")
CROP = 224


def resized_size(width, height, side=256):
    """sfar's short-side resize: (width, height), aspect kept, rounded to nearest."""
    if width <= height:
        return side, (height * side + width // 2) // width
    return (width * side + height // 2) // height, side


def finish(frames):
    """[T, 3, H, W] uint8 at the resized size -> the centre crop, normalised (sfar's floor offsets)."""
    top, left = (frames.shape[2] - CROP) // 2, (frames.shape[3] - CROP) // 2
    clip = frames[:, :, top:top + CROP, left:left + CROP].float().div_(255)
    return clip.sub_(MEAN).div_(STD)


def read_decord(clip):
    import decord
    w, h = resized_size(clip["width"], clip["height"])
    reader = decord.VideoReader(clip["path"], ctx=decord.cpu(0), width=w, height=h, num_threads=1)
    frames = reader.get_batch(clip["indices"]).asnumpy()  # [T, H, W, 3]
    return finish(torch.from_numpy(frames).permute(0, 3, 1, 2))


def read_pyav(clip):
    import av
    w, h = resized_size(clip["width"], clip["height"])
    wanted = {}
    for t, i in enumerate(clip["indices"]):
        wanted.setdefault(i, []).append(t)
    out = [None] * len(clip["indices"])
    last = max(wanted)
    with av.open(clip["path"]) as container:
        stream = container.streams.video[0]
        stream.thread_count = 1
        for n, frame in enumerate(container.decode(stream)):
            if n in wanted:
                rgb = torch.from_numpy(frame.to_ndarray(format="rgb24", width=w, height=h))
                for t in wanted[n]:
                    out[t] = rgb
            if n >= last:
                break
    if any(f is None for f in out):
        raise RuntimeError(f"{clip['path']}: PyAV decoded fewer frames than index {last}")
    return finish(torch.stack(out).permute(0, 3, 1, 2))


def read_torchcodec(clip):
    from torchcodec.decoders import VideoDecoder
    from torchcodec.transforms import Resize
    w, h = resized_size(clip["width"], clip["height"])
    decoder = VideoDecoder(clip["path"], num_ffmpeg_threads=1, seek_mode="approximate", transforms=[Resize((h, w))])
    return finish(decoder.get_frames_at(clip["indices"]).data)


READERS = {"decord": read_decord, "pyav": read_pyav, "torchcodec": read_torchcodec}


class ClipList(torch.utils.data.Dataset):
    def __init__(self, clips, loader):
        self.clips, self.read = clips, READERS[loader]

    def __len__(self):
        return len(self.clips)

    def __getitem__(self, i):
        return self.read(self.clips[i]), (os.getpid(), vm_hwm_mb())


def vm_hwm_mb():
    """This process's own peak RSS (getrusage's maxrss also counts a parent's peak across fork and exec)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def worker_init(_):
    torch.set_num_threads(1)


def time_peer(loader, clips, workers, repeat):
    """One timed run in this process: clips/s and peak RSS (MiB), as `sfar bench clips` prints."""
    torch.set_num_threads(1)
    dataset = ClipList(clips * repeat, loader)
    start = time.perf_counter()
    worker_peaks = {}
    if workers <= 1:
        n = sum(dataset[i][0].shape[0] > 0 for i in range(len(dataset)))
    else:
        data = torch.utils.data.DataLoader(dataset, batch_size=1, num_workers=workers, worker_init_fn=worker_init,
                                           prefetch_factor=2)
        n = 0
        for clip, (pid, peak) in data:
            n += clip.shape[0]
            worker_peaks[int(pid)] = float(peak)
    seconds = time.perf_counter() - start
    return {"loader": loader, "workers": workers, "clips_per_s": [n / seconds],
            "peak_rss_mb": vm_hwm_mb() + max(worker_peaks.values(), default=0.0)}


def height(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=height",
                          "-of", "csv=p=0", path], capture_output=True, text=True).stdout.strip()
    return int(out) if out.isdigit() else 0


def make_sets(videos, work, names):
    """{set: list file}; the lists hold absolute paths. Re-encodes with the ffmpeg command."""
    files = sorted(os.path.join(videos, f) for f in os.listdir(videos)
                   if f.rsplit(".", 1)[-1] in ("mp4", "avi", "webm", "mkv", "mov"))
    if not files:
        sys.exit(f"bench_data_peers: no videos in {videos}")
    sets = {}

    def write(name, paths):
        path = os.path.join(work, name + ".txt")
        with open(path, "w") as f:
            f.writelines(f"{p} 0\n" for p in paths)
        sets[name] = path

    def ffmpeg(src, dst, *args):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", src, *args, "-an", "-c:v", "libx264",
                        "-pix_fmt", "yuv420p", dst], check=True)
        return dst

    if "real" in names:
        write("real", files)
    if "gop16" in names:
        write("gop16", [ffmpeg(f, os.path.join(work, f"gop16_{i}.mp4"), "-g", "16", "-keyint_min", "16",
                               "-sc_threshold", "0") for i, f in enumerate(files)])
    if "1080p" in names:
        # The folder's 1080p clips as they are; without one, its first clip scaled up.
        hd = [f for f in files if height(f) >= 1080]
        write("1080p", hd or [ffmpeg(files[0], os.path.join(work, "hd.mp4"), "-vf", "scale=1920:1080")])
    if "1080p_mp4" in names:
        # The same pictures as an MP4 from x264's defaults (key frame every 250, B-frames), as
        # Kinetics' clips come: an AVI without presentation timestamps must be decoded in order.
        hd = [f for f in files if height(f) >= 1080] or files[:1]
        write("1080p_mp4", [ffmpeg(f, os.path.join(work, f"hd_{i}.mp4"), "-vf", "scale=1920:1080")
                            for i, f in enumerate(hd)])
    return sets


def run_sfar(sfar, list_file, workers, rounds, repeat, dump=None):
    cmd = [sfar, "bench", "clips", "--list", list_file, "--workers", str(workers), "--rounds", str(rounds),
           "--repeat", str(repeat)] + (["--dump", dump] if dump else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def reference_frames(clip):
    """Every frame, in decode order, resized as the peers resize (PyAV, one thread): [N, 3, H, W]."""
    import av
    w, h = resized_size(clip["width"], clip["height"])
    with av.open(clip["path"]) as container:
        frames = [torch.from_numpy(f.to_ndarray(format="rgb24", width=w, height=h))
                  for f in container.decode(video=0)]
    return torch.stack(frames).permute(0, 3, 1, 2)


def levels(clip):
    """Normalised clip -> 0-255 levels."""
    return (clip * STD + MEAN) * 255


def wrong_frames(clip, frames, reference, margin):
    """Frames of `frames` (levels) that are closer to a neighbour of their index in the reference
    decode than to the reference frame at that index, by more than `margin` levels."""
    wrong = []
    for t, index in enumerate(clip["indices"]):
        near = [j for j in (index - 1, index, index + 1) if 0 <= j < reference.shape[0]]
        errors = {j: (frames[t] - reference[j]).abs().mean().item() for j in near}
        if min(errors.values()) < errors[index] - margin:  # ties: a still scene repeats a frame
            wrong.append((t, index, min(errors, key=errors.get)))
    return wrong


def check(clips, sfar_tensors):
    """Per peer, the mean |sfar - peer| in levels; per loader, the frames that are not the frame
    at their index in a full in-order decode (sfar must have none: its frames are compared
    exactly; a peer's within half a level, since torchcodec resizes with another filter)."""
    mad = {peer: [] for peer in PEERS}
    wrong = {loader: 0 for loader in ("sfar",) + PEERS}
    for i, clip in enumerate(clips):
        ours = levels(sfar_tensors[f"clip_{i}"])
        reference = levels(finish(reference_frames(clip)))
        loaded = {"sfar": (ours, 0.0)}
        for peer in PEERS:
            theirs = levels(READERS[peer](clip))
            mad[peer].append((ours - theirs).abs().mean().item())
            loaded[peer] = (theirs, 0.5)
        for loader, (frames, margin) in loaded.items():
            for t, index, best in wrong_frames(clip, frames, reference, margin):
                wrong[loader] += 1
                print(f"  {clip['path']}: {loader}'s frame {t} is the reference's frame {best}, not {index}",
                      file=sys.stderr)
    return {peer: statistics.mean(v) for peer, v in mad.items()}, wrong


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sfar", required=True)
    parser.add_argument("--videos", default=os.path.join(os.environ.get("SFAR_DATA_DIR", ""), "videos"))
    parser.add_argument("--sets", default="real,gop16,1080p,1080p_mp4")
    parser.add_argument("--loaders", default="sfar,decord,pyav,torchcodec")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clips", type=int, default=20, help="clips per timed run, at least (the list repeated)")
    parser.add_argument("--repeat", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", help="write every run's figures here")
    parser.add_argument("--peer-run", nargs=3, metavar=("LOADER", "CLIPS_JSON", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_run:
        loader, clips_json, workers = args.peer_run
        print(json.dumps(time_peer(loader, json.load(open(clips_json)), int(workers), args.repeat)))
        return
    if not os.path.isdir(args.videos):
        sys.exit(f"bench_data_peers: no video folder {args.videos!r} (set SFAR_DATA_DIR or --videos)")
    loaders, workers = args.loaders.split(","), [int(w) for w in args.workers.split(",")]
    from safetensors.torch import load_file

    work = tempfile.mkdtemp(prefix="sfar_peers_")
    try:
        sets = make_sets(args.videos, work, args.sets.split(","))
        clips, mad, wrong = {}, {}, {}
        for name, list_file in sets.items():
            dump = os.path.join(work, name + ".safetensors")
            clips[name] = run_sfar(args.sfar, list_file, 1, 1, 1, dump)["clips"]
            json.dump(clips[name], open(os.path.join(work, name + ".json"), "w"))
            mad[name], wrong[name] = check(clips[name], load_file(dump))
            print(f"{name}: {len(clips[name])} clips ({', '.join(sorted({c['codec'] for c in clips[name]}))}); "
                  f"mean |sfar - peer| in 0-255 levels: "
                  + ", ".join(f"{p} {v:.2f}" for p, v in mad[name].items())
                  + "; frames other than the reference decode's: "
                  + ", ".join(f"{l} {n}" for l, n in wrong[name].items()), flush=True)

        runs = {}
        for round in range(args.rounds):
            order = loaders[round % len(loaders):] + loaders[:round % len(loaders)]
            for name in sets:
                repeat = -(-args.clips // len(clips[name]))
                for w in workers:
                    for loader in order:
                        if loader == "sfar":
                            r = run_sfar(args.sfar, sets[name], w, 1, repeat)
                        else:
                            cmd = [sys.executable, __file__, "--sfar", args.sfar, "--repeat", str(repeat),
                                   "--peer-run", loader, os.path.join(work, name + ".json"), str(w)]
                            r = json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                                          text=True).stdout.strip().splitlines()[-1])
                        runs.setdefault((name, w, loader), []).append(r)
            print(f"round {round + 1}/{args.rounds} done (load average {os.getloadavg()[0]:.2f})", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n| set | workers | loader | clips/s (median) | spread | x fastest peer | peak RSS MiB | "
          f"MAD vs sfar (levels) | wrong frames |\n|---|---|---|---|---|---|---|---|---|")
    table = []
    for name in sets:
        for w in workers:
            medians = {l: statistics.median(r["clips_per_s"][0] for r in runs[(name, w, l)]) for l in loaders}
            fastest = max((v for l, v in medians.items() if l != "sfar"), default=None)
            for l in loaders:
                speeds = [r["clips_per_s"][0] for r in runs[(name, w, l)]]
                rss = max(r["peak_rss_mb"] for r in runs[(name, w, l)])
                ratio = medians[l] / fastest if fastest else float("nan")
                row = {"set": name, "workers": w, "loader": l, "clips_per_s": medians[l], "min": min(speeds),
                       "max": max(speeds), "ratio_to_fastest_peer": ratio, "peak_rss_mb": rss,
                       "mad_levels": mad[name].get(l, 0.0), "wrong_frames": wrong[name][l]}
                table.append(row)
                print(f"| {name} | {w} | {l} | {medians[l]:.1f} | {min(speeds):.1f}-{max(speeds):.1f} | "
                      f"{ratio:.2f} | {rss:.0f} | {'-' if l == 'sfar' else f'{mad[name][l]:.2f}'} | "
                      f"{wrong[name][l]} of {sum(len(c['indices']) for c in clips[name])} |")
    if args.json:
        json.dump(table, open(args.json, "w"), indent=1)
    if any(w["sfar"] for w in wrong.values()):
        sys.exit("bench_data_peers: sfar read a different frame than the reference decode (above)")


if __name__ == "__main__":
    main()
