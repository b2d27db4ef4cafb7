#!/usr/bin/env bash
# sfar's video loader against decord, PyAV and torchcodec on the same clips and the same
# evaluation-time task, in one run: see scripts/bench_data_peers.py for the task, the checks and
# the table. Needs the shared real clips (SFAR_DATA_DIR/videos, or VIDEOS=folder) and the ffmpeg
# command for the re-encoded sets.
#
#   scripts/bench_data_peers.sh                          # 3 sets x 1 and 2 workers x 4 loaders, 5 rounds
#   ROUNDS=3 SETS=real,gop16 WORKERS=1 scripts/bench_data_peers.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SFAR=${SFAR:-$ROOT/build/sfar}
[[ -n ${VIDEOS:-} || -n ${SFAR_DATA_DIR:-} ]] || { echo "bench_data_peers.sh: set SFAR_DATA_DIR (or VIDEOS=folder)" >&2; exit 1; }
VIDEOS=${VIDEOS:-$SFAR_DATA_DIR/videos}
PYTHON=${PYTHON:-$("$ROOT/scripts/python_env.sh")}
[[ -x $SFAR ]] || { echo "bench_data_peers.sh: no sfar binary at $SFAR (set SFAR=...)" >&2; exit 1; }
command -v ffmpeg >/dev/null || { echo "bench_data_peers.sh: needs the ffmpeg command" >&2; exit 1; }
# One thread per process unless a run asks for workers; OpenMP must not spin beside them.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
echo "machine: $(nproc --all) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
     "$("$PYTHON" -c 'import torch, decord, av, torchcodec; print(f"torch {torch.__version__}, decord {decord.__version__}, PyAV {av.__version__}, torchcodec {torchcodec.__version__}")')"
exec "$PYTHON" "$ROOT/scripts/bench_data_peers.py" --sfar "$SFAR" \
  --videos "$VIDEOS" --sets "${SETS:-real,gop16,1080p,1080p_mp4}" --workers "${WORKERS:-1,2}" \
  --rounds "${ROUNDS:-5}" --clips "${CLIPS:-20}" ${JSON:+--json "$JSON"}
