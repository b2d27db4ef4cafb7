#!/usr/bin/env bash
# The GPU check's real run, through the packed binary and the real run path: `sfar train`
# (recipes::run_training, the Trainer, the evaluator after each epoch, checkpoints) for one
# epoch, the same run resumed from its checkpoint for a second epoch, `sfar eval` of the last
# checkpoint and `sfar infer` of one clip. bf16 autocast (PRECISION; fp32 on the CPU, where sfar
# allows no bf16 training), loss.scope global (6 clips a step in
# micro-batches of 3 through the gradient cache), the mean head on the tiny reference CLIP, and
# the pack's tensor clips (scripts/gpu_run_data.py: 18 training clips, 3 evaluation clips, 3
# classes; the loader reads them as it reads videos). A constant learning rate makes the resumed
# run the same as one of two epochs. Writes OUT/{run.yaml,train1,train2,eval,infer}.json and
# OUT/run/ (metrics.jsonl: the loss curve that scripts/gpu_run_compare.py compares).
# Usage: scripts/gpu_run.sh PACK OUT    (PACK: the unpacked pack)   DEVICE=cuda|cpu (default cuda), PRECISION (bf16), THREADS (4)
# The environment must already find the pack's libraries (scripts/gpu_check.sh and
# scripts/gpu_pack_check.sh set LD_LIBRARY_PATH).
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: gpu_run.sh PACK OUT" >&2; exit 2; }
PACK=$(cd "$1" && pwd)
OUT=$2
DEVICE=${DEVICE:-cuda}
PRECISION=${PRECISION:-bf16}  # sfar trains in bf16 on CUDA only: the CPU run is fp32
SFAR=$PACK/bin/sfar
DATA=$PACK/run
for f in "$SFAR" "$DATA/train.txt" "$PACK/references/clip/bpe_simple_vocab_16e6.txt.gz" "$PACK/references/clip/vit_tiny/openai_torchscript.pt"; do
  [[ -e $f ]] || { echo "gpu_run: $f is missing: make the pack with scripts/gpu_check_pack.sh" >&2; exit 1; }
done
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cat >"$OUT/run.yaml" <<YAML
run: {name: gpu-run, work_dir: $OUT/run, threads: ${THREADS:-4}, device: $DEVICE, seed: 7}
model: {arch: auto, weights: $PACK/references/clip/vit_tiny/openai_torchscript.pt, activation: quick_gelu}
text: {vocab: $PACK/references/clip/bpe_simple_vocab_16e6.txt.gz}
head: {type: mean}
loss: {type: infonce, scope: global}
data:
  root: $DATA
  list: train.txt
  labels: $DATA/labels.csv
  num_frames: 4
  short_side: 64
  workers: 2
  prefetch: 2
  batch_size: 3
  bad_file_policy: raise
  train_pipeline: [{type: random_resized_crop, size: 64}, {type: flip}, {type: normalize}]
  test_pipeline: [{type: center_crop, size: 64}, {type: normalize}]
eval: {list: val.txt}
train: {epochs: 2, warmup_epochs: 0, lr: 1.0e-4, min_lr: 1.0e-4, batch_size: 6, micro_batch: 3,
        precision: $PRECISION, log_interval: 1}
YAML
step() { echo "-- gpu_run ($DEVICE): $*" >&2; }
# PATH holds the pack alone: gnuplot (the curves) is not part of the check.
sfar() { PATH=$PACK/bin "$SFAR" --progress none "$@"; }
step "train, epoch 1"
sfar train --config "$OUT/run.yaml" --set train.epochs=1 >"$OUT/train1.json"
step "train, resumed for epoch 2"
sfar train --config "$OUT/run.yaml" --resume auto >"$OUT/train2.json" 2>"$OUT/train2.log"
grep -q "resumed from" "$OUT/train2.log" "$OUT/run/log.txt" ||
  { echo "gpu_run: the second run did not resume from a checkpoint" >&2; cat "$OUT/train2.log" >&2; exit 1; }
checkpoint=$(ls "$OUT"/run/checkpoints/step_*.pt | tail -n 1)
step "eval $checkpoint"
sfar eval --config "$OUT/run.yaml" --checkpoint "$checkpoint" >"$OUT/eval.json"
step "infer one clip"
sfar infer --config "$OUT/run.yaml" --checkpoint "$checkpoint" --video "$DATA/clips/c1_000.safetensors" \
  --label "moving down" >"$OUT/infer.json"
cat "$OUT/train2.json" "$OUT/eval.json" "$OUT/infer.json"
