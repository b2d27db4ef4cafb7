#!/usr/bin/env bash
# The GPU check, for a machine with one NVIDIA GPU and PyTorch 2.11 (CUDA 13) but none of sfar's
# other dependencies. It runs a build made elsewhere against the same LibTorch, packed by
# scripts/gpu_check_pack.sh into .gpu-check/, and reports:
#   1. sfar env (LibTorch, CUDA, cuDNN, NCCL, the device);
#   2. the CUDA tests (fp32 CLIP on the GPU against the CPU, bf16/fp16 autocast, the fp16 scaler);
#   3. the CLIP reference check on the GPU (open_clip's features of the tiny reference model, in
#      OpenAI's release layout): fp32 within 1e-4, and bf16 autocast's difference;
#   4. a one-GPU NCCL process group: every collective and the gradient reducer;
#   5. a bf16 training step on ViT-B/16 against the same step in PyTorch: steps/s, peak memory
#      and the share of the measured bf16 matmul peak (scripts/bench_train.sh), with fused
#      attention (flash or memory-efficient kernels; PyTorch eager and torch.compile) and then
#      written out (matmul + softmax; eager);
#   6. the SFAR head's share of a bf16 ViT-B/16 step at 400 classes (K400's);
#   7. a real run on the GPU (scripts/gpu_run.sh: sfar train, resumed once from its checkpoint,
#      sfar eval and sfar infer; bf16, loss.scope global, the pack's tensor clips), the same run
#      on this machine's CPU, and their loss curves compared (scripts/gpu_run_compare.py).
# Time on one H100, by arithmetic (docs/gpu.md): about 6 minutes, within the 8 allowed.
# Usage (from the repository root, .gpu-check/ carried):
#   scripts/gpu_check.sh            # PYTHON (default python3) is the interpreter holding torch
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
ARCHIVE=$PWD/.gpu-check/pack.tar.xz
PACK=${PACK:-/tmp/sfar-gpu-pack}
source scripts/gpu_pack_env.sh || exit 1
status=0
section() { echo; echo "== [$SECONDS s] $*"; }
check() { "$@" || { echo "gpu_check: FAILED: $*"; status=1; }; }

section "1/7 sfar env"
check "$PACK/bin/sfar" env
section "2/7 CUDA tests"
check "$PACK/bin/sfar_cuda_tests" --gtest_filter='-ClipReferenceCuda.*'
section "3/7 CLIP reference on the GPU (fp32 within 1e-4; bf16 difference reported)"
check "$PACK/bin/sfar_cuda_tests" --gtest_filter='ClipReferenceCuda.*'
section "4/7 one-GPU NCCL group"
check "$PACK/bin/sfar_distributed_tests" --gtest_filter='*ForcedGroupOfOne*'
section "5/7 bf16 training step, ViT-B/16, sfar against PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)')"
for attention in fused math; do
  echo "-- attention: $attention"
  # torch.compile of the reference too, with the fused kernels (both sides' default)
  compile=0; [[ $attention = fused ]] && compile=1
  check env SFAR="$PACK/bin/sfar" PYTHON="$PYTHON" DEVICE=cuda PRECISION=bf16 MATMUL_SIZE=8192 BATCH=32 \
    COMPILE=$compile SIZES=vitb16 ROUNDS=${ROUNDS:-2} STEPS=${STEPS:-10} THREADS=${THREADS:-8} ATTENTION=$attention scripts/bench_train.sh
done
section "6/7 SFAR head at 400 classes: its share of a bf16 ViT-B/16 step"
check "$PACK/bin/sfar" bench train --config configs/k400/sfar_vit_b16.yaml --set run.device=cuda \
  --set train.precision=bf16 --classes 400 --batch 32 --steps ${STEPS:-10} --warmup 2 --matmul-size 8192
section "7/7 real run: train, resume, eval, infer on the GPU (bf16, loss.scope global), then the same on the CPU (fp32)"
RUNS=${RUNS:-/tmp/sfar-gpu-run}
check env DEVICE=cuda scripts/gpu_run.sh "$PACK" "$RUNS/cuda"
check env DEVICE=cpu PRECISION=fp32 THREADS=${THREADS:-8} scripts/gpu_run.sh "$PACK" "$RUNS/cpu"
check "$PYTHON" scripts/gpu_run_compare.py "$RUNS/cpu" "$RUNS/cuda" --tolerance 0.1
echo
echo "gpu_check: $([ $status = 0 ] && echo passed || echo FAILED) in $SECONDS s"
exit $status
