# Sourced by scripts/gpu_check.sh (on the GPU machine) and scripts/gpu_pack_check.sh (here), so
# that the check here proves what the GPU machine runs. Needs ARCHIVE (the pack,
# .gpu-check/pack.tar.xz from scripts/gpu_check_pack.sh), PACK (the folder to unpack it into,
# emptied first) and PYTHON (the interpreter that holds torch). Unpacks with Python's tarfile
# (no xz tool needed there) and sets LD_LIBRARY_PATH: the pack's lib/, then LibTorch's and every
# nvidia-* wheel's lib folder of that torch. Sets TORCH_SITE and TORCH_LIB too.
[[ -f $ARCHIVE ]] || { echo "gpu pack: no $ARCHIVE: run scripts/gpu_check_pack.sh where sfar was built" >&2; return 1; }
TORCH_SITE=$("$PYTHON" -c 'import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))') ||
  { echo "gpu pack: $PYTHON cannot import torch" >&2; return 1; }
TORCH_LIB=$(cd "$TORCH_SITE/torch/lib" && pwd -P)
rm -rf "$PACK" && mkdir -p "$PACK"
"$PYTHON" - "$ARCHIVE" "$PACK" <<'PY' || { echo "gpu pack: cannot unpack $ARCHIVE" >&2; return 1; }
import sys, tarfile
with tarfile.open(sys.argv[1], "r:xz") as archive:
    extra = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
    archive.extractall(sys.argv[2], **extra)
PY
PACK=$(cd "$PACK" && pwd)
libs=$PACK/lib:$TORCH_LIB
for dir in "$TORCH_SITE"/nvidia/*/lib "$TORCH_SITE"/nvidia/cu*/lib; do [[ -d $dir ]] && libs+=:$dir; done
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export SFAR_REFERENCE_DIR=$PACK/references
