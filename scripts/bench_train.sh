#!/usr/bin/env bash
# Training speed of sfar against the same model and step in eager PyTorch (the project's Python
# environment, whose torch wheel holds the very LibTorch sfar links), in one run on this machine: for each model size the two run
# interleaved (sfar, python, sfar, python, ...) on the same threads, then one table prints
# steps/s of each, sfar / PyTorch, peak memory, the matmul peak (in the step's precision) and
# the share of it each step reaches. The compared model is CLIP's ViT image tower + the mean head (ViFi-CLIP
# baseline) + InfoNCE, trained by AdamW over sfar's parameter groups with gradient clipping
# (configs/k400/mean_vit_b16.yaml's recipe), on random clips, labels and text bank.
#
#   scripts/bench_train.sh                     # both sizes, 2 threads, 2 rounds
#   SFAR=build/sfar THREADS=1 ROUNDS=3 SIZES=small scripts/bench_train.sh
#   STEPS=8 SIZES=vitb16 scripts/bench_train.sh   # more timed steps per run than the default 3
#   DEVICE=cuda PRECISION=bf16 PYTHON=python3 MATMUL_SIZE=8192 BATCH=32 scripts/bench_train.sh
#                                 # on a GPU, against the PyTorch whose LibTorch sfar was built with
#   ATTENTION=math scripts/bench_train.sh   # both sides write attention out (matmul + softmax)
#   COMPILE=1 scripts/bench_train.sh        # also torch.compile of the reference, interleaved
#
# A run's speed is 1 / its median step time. Each side's figure is the median over its runs, with
# the spread (slowest-fastest run); the ratio is sfar's median / PyTorch's median.
# Other processes on the machine slow both sides alike when interleaved: the load average is
# printed before and after. OMP_WAIT_POLICY=PASSIVE keeps OpenMP from spinning: with ACTIVE its
# threads and OpenBLAS's own pthread pool (the same thread count) fight for the cores, which made
# both sides 2.7x slower on ViT-B/16 and stalled the small model on a 2-core machine.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SFAR=${SFAR:-$ROOT/build/sfar}
PYTHON=${PYTHON:-$("$ROOT/scripts/python_env.sh")}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
SIZES=${SIZES:-"vitb16 small"}
CONFIG=${CONFIG:-$ROOT/configs/k400/mean_vit_b16.yaml}
DEVICE=${DEVICE:-cpu}           # cpu | cuda | cuda:N
PRECISION=${PRECISION:-fp32}    # fp32 | bf16 (bf16 on CUDA only, as train.precision)
MATMUL_SIZE=${MATMUL_SIZE:-2048}  # n of the n x n peak product (a GPU needs ~8192 to reach its peak)
ATTENTION=${ATTENTION:-fused}   # fused (scaled_dot_product_attention, both sides' default) | math
COMPILE=${COMPILE:-0}           # 1: also time torch.compile of the reference step
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

[[ -x $SFAR ]] || { echo "bench_train.sh: no sfar binary at $SFAR (set SFAR=...)" >&2; exit 1; }
"$PYTHON" -c 'import torch' 2>/dev/null ||
  { echo "bench_train.sh: $PYTHON has no torch (scripts/python_env.sh makes the project's environment)" >&2; exit 1; }

# Per size: shape flags (both sides), batch, frames, steps, warm-up steps.
size_args() {
  case $1 in
    vitb16) echo "--width 768 --layers 12 --resolution 224 --patch 16 --embed-dim 512 --text-width 512 --text-layers 12|1|2|3|1" ;;
    small) echo "--width 128 --layers 4 --resolution 64 --patch 16 --embed-dim 128 --text-width 128 --text-layers 1|2|4|40|5" ;;
    *) echo "bench_train.sh: unknown size '$1' (vitb16, small)" >&2; exit 1 ;;
  esac
}

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); threads $THREADS;" \
     "OMP_WAIT_POLICY=$OMP_WAIT_POLICY; device $DEVICE, $PRECISION;" \
     "torch $("$PYTHON" -c 'import torch; print(torch.__version__)')"

for size in $SIZES; do
  IFS='|' read -r shape batch frames steps warmup <<<"$(size_args "$size")"
  steps=${STEPS:-$steps}  # timed steps per run; more steps, less noise on a shared machine
  batch=${BATCH:-$batch}  # videos per step; a GPU wants more than the CPU defaults
  common="--batch $batch --frames $frames --steps $steps --warmup $warmup --threads $THREADS"
  common+=" --matmul-size $MATMUL_SIZE --attention $ATTENTION"
  for round in $(seq "$ROUNDS"); do
    # shellcheck disable=SC2086
    "$SFAR" bench train --config "$CONFIG" --set head.type=mean --set run.device="$DEVICE" \
      --set train.precision="$PRECISION" $shape $common --json \
      > "$OUT/$size.sfar.$round.json"
    # The optimizer and loss settings come from sfar's resolved config.
    py_args=$("$PYTHON" - "$OUT/$size.sfar.$round.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
o = s["optimizer"]
print(f"--device {s['device']} --precision {s['precision']} "
      f"--loss {s['loss']} --lam {s['loss_lambda']} --classes {s['classes']} --lr {o['lr']} "
      f"--backbone-lr-ratio {o['backbone_lr_ratio']} --logit-scale-lr-ratio {o['logit_scale_lr_ratio']} "
      f"--weight-decay {o['weight_decay']} "
      f"--betas {o['betas'][0]} {o['betas'][1]} --eps {o['eps']} --grad-clip {o['grad_clip']}")
EOF
)
    # shellcheck disable=SC2086
    "$PYTHON" "$ROOT/scripts/bench_train_reference.py" $shape $common $py_args --json > "$OUT/$size.python.$round.json"
    if [ "$COMPILE" = 1 ]; then
      # shellcheck disable=SC2086
      "$PYTHON" "$ROOT/scripts/bench_train_reference.py" $shape $common $py_args --compile --json \
        > "$OUT/$size.compile.$round.json" 2> "$OUT/$size.compile.$round.err" ||
        echo "  torch.compile failed on this machine: $(tail -1 "$OUT/$size.compile.$round.err")"
    fi
    echo "  $size round $round done (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  done
done

"$PYTHON" - "$OUT" $SIZES <<'EOF'
import glob, json, os, statistics, sys
out, sizes = sys.argv[1], sys.argv[2:]
print(f"{'model':8} {'impl':8} {'median steps/s':>14} {'spread':>15} {'runs':>4} {'videos/s':>9} {'peak MiB':>9} "
      f"{'GFLOP/step':>10} {'GFLOP/s':>8} {'mm peak':>8} {'share':>6}")
for size in sizes:
    medians = {}
    # One peak for every side: the best n x n product any run of this size measured.
    peak = max(json.load(open(f))["matmul_peak_gflops"] for f in glob.glob(os.path.join(out, f"{size}.*.json"))
               if os.path.getsize(f) > 0)
    for impl in ("sfar", "python", "compile"):
        runs = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(out, f"{size}.{impl}.*.json")))
                if os.path.getsize(f) > 0]
        if not runs:
            continue
        speeds = [1.0 / r["median_step_s"] for r in runs]
        median = statistics.median(speeds)
        medians[impl] = median
        gflops = statistics.median(r["step_gflops_per_s"] for r in runs)
        r = runs[0]
        print(f"{size:8} {impl:8} {median:14.3f} {min(speeds):7.3f}-{max(speeds):<7.3f} {len(runs):4} "
              f"{r['batch'] * median:9.2f} {max(x['peak_memory_mb'] for x in runs):9.0f} "
              f"{r['step_gflop']:10.2f} {gflops:8.2f} {peak:8.1f} {gflops / peak:6.1%}")
    print(f"{size:8} sfar / PyTorch eager = {medians['sfar'] / medians['python']:.3f} (medians)"
          + (f"; sfar / torch.compile = {medians['sfar'] / medians['compile']:.3f}" if "compile" in medians else ""))
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
