#!/usr/bin/env bash
# Proves here that the GPU check's pack (scripts/gpu_check_pack.sh) needs nothing the GPU machine
# lacks. Every packed binary runs with LD_LIBRARY_PATH set as scripts/gpu_check.sh sets it (the
# pack's lib/, then LibTorch's and the CUDA wheels' from PYTHON's torch) and LD_DEBUG=libs; each
# object the dynamic loader initialises in those processes, dlopen()ed ones included, must come
# from the pack, LibTorch, the CUDA wheels, glibc, libstdc++ or libgcc_s. Anything else (a
# library found in /usr/lib because the pack lacks it) fails the check and is named. The runs:
#   sfar env; the CUDA tests (their GPU-skip path, and the CLIP reference from tensor images on
#   the CPU); the gloo group of one; and scripts/gpu_run.sh on the CPU (train, resume, eval,
#   infer from the pack's tensor clips).
# Usage: scripts/gpu_pack_check.sh [ARCHIVE] [WORK]
#   defaults: .gpu-check/pack.tar.xz, a new temporary folder (WORK/pack: the unpacked pack)
set -euo pipefail
cd "$(dirname "$0")/.."
ARCHIVE=$(realpath "${1:-.gpu-check/pack.tar.xz}")
WORK=${2:-$(mktemp -d)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
PYTHON=${PYTHON:-$PWD/.venv/bin/python}
PACK=$WORK/pack
# Unpacks and sets LD_LIBRARY_PATH as scripts/gpu_check.sh does on the GPU machine.
source scripts/gpu_pack_env.sh
traces=$WORK/ld-trace
rm -rf "$traces" && mkdir -p "$traces"
traced() {
  echo "== gpu_pack_check: $*" >&2
  env LD_DEBUG=libs LD_DEBUG_OUTPUT="$traces/trace" "$@"
}
traced "$PACK/bin/sfar" env | tee "$WORK/env.json"
traced "$PACK/bin/sfar_cuda_tests" | tail -n 5
traced "$PACK/bin/sfar_distributed_tests" --gtest_filter='*ForcedGroupOfOne*' | tail -n 3
DEVICE=cpu PRECISION=fp32 THREADS=2 traced scripts/gpu_run.sh "$PACK" "$WORK/run-cpu" >/dev/null

# Each trace file is one process; only those of the packed binaries are judged (the shell and
# the tools of gpu_run.sh are not packed).
"$PYTHON" - "$traces" "$PACK" "$TORCH_LIB" "$TORCH_SITE" <<'PY'
import glob, os, re, sys
traces, pack, torch_lib, site = sys.argv[1:]
system_ok = re.compile(r"^(ld-linux-x86-64\.so\.2|lib(c|m|dl|rt|pthread|util|resolv|anl|mvec|nsl|thread_db)\.so\.[0-9]+|"
                       r"libnss_[a-z]+\.so\.2|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$")
roots = [os.path.realpath(p) + "/" for p in [pack + "/lib", torch_lib] + glob.glob(site + "/nvidia/*/lib")]
bins = {os.path.realpath(p) for p in glob.glob(pack + "/bin/*")}
seen, bad, judged = set(), [], 0
for trace in glob.glob(traces + "/trace.*"):
    text = open(trace, errors="replace").read()
    program = re.search(r"transferring control: (\S+)", text)
    if not program or os.path.realpath(program.group(1)) not in bins:
        continue
    judged += 1
    seen.add(os.path.realpath(program.group(1)))
    for path in set(re.findall(r"calling init: (\S+)", text)):
        real = os.path.realpath(path)
        if any(real.startswith(r) for r in roots):
            continue
        if system_ok.match(os.path.basename(path)) and not real.startswith(pack):
            continue
        bad.append(f"{os.path.basename(program.group(1))} loaded {path}")
    if "libtorch_cpu.so" not in text:
        bad.append(f"{trace}: no libtorch_cpu.so in the trace: LD_DEBUG did not trace this process")
missing = bins - seen
if missing:
    bad.append("never traced: " + ", ".join(sorted(missing)))
for line in sorted(set(bad)):
    print("gpu_pack_check: FAILED:", line)
if bad:
    sys.exit(1)
print(f"gpu_pack_check: {judged} processes of {len(bins)} packed binaries loaded only the pack's, LibTorch's, "
      "the CUDA wheels' and the system's C and C++ runtime libraries")
PY
cat "$WORK/run-cpu/eval.json" "$WORK/run-cpu/infer.json"
"$PYTHON" - "$WORK/env.json" <<'PY'
import json, sys
env = json.load(open(sys.argv[1]))
if env.get("ffmpeg") is not None or env.get("opencv") is not None:
    sys.exit(f"gpu_pack_check: FAILED: the packed sfar reports media libraries: {env.get('ffmpeg')}, {env.get('opencv')}")
PY
echo "gpu_pack_check: passed ($(du -sh "$ARCHIVE" | cut -f1) archive, $(du -sh "$PACK" | cut -f1) unpacked)"
