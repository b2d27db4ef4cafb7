#!/usr/bin/env bash
# Builds sfar's libFuzzer targets (tests/fuzz, clang + AddressSanitizer + UBSan) and runs each
# for a while on seeds made from reference files. Exits non-zero when a target finds a crash,
# a sanitizer report, an out-of-memory or an exception other than sfar::Error; the input that
# did it is kept in <build-dir>/fuzz-artifacts/<target>/.
#
#   scripts/fuzz.sh [seconds_per_target]     (default 60)
#
# Seeds come from the folder $SFAR_DATA_DIR names when it exists (the extra test suite's real
# files); otherwise from the repository's data/ and the references the default test suite
# generates (tests/support/make_references.py, run with the project's Python environment).
# Environment: SFAR_DATA_DIR (optional), SFAR_FUZZ_BUILD_DIR (default build-fuzz),
# SFAR_FUZZ_TARGETS (space-separated subset), SFAR_JOBS (build jobs, default: number of cores).
# Installs clang-14 and its sanitizer runtimes when they are missing (root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-60}
BUILD_DIR=${SFAR_FUZZ_BUILD_DIR:-build-fuzz}
DATA=${SFAR_DATA_DIR:-}
JOBS=${SFAR_JOBS:-$(nproc)}
TARGETS=(${SFAR_FUZZ_TARGETS:-fuzz_safetensors fuzz_clip_bpe fuzz_config fuzz_class_names fuzz_video_list fuzz_description_cache fuzz_video_reader})

# --- clang and its sanitizer/libFuzzer runtimes -------------------------------------------
PACKAGES=(clang-14 libclang-rt-14-dev)
missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
      echo "fuzz: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "fuzz: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- build (only the fuzz targets: they link no LibTorch code) -----------------------------
LAUNCHER=()
if command -v ccache >/dev/null; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD"
fi
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja "${LAUNCHER[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DSFAR_FUZZ=ON -DSFAR_BUILD_TESTS=ON -DSFAR_USE_PCH=OFF -DSFAR_WITH_VIDEO=OFF
fi
ninja -C "$BUILD_DIR" -j "$JOBS" "${TARGETS[@]}"

# --- seeds: small files made from the reference files, in a temporary directory -----------
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -z "$DATA" ] || [ ! -d "$DATA" ]; then
  # The same layout from what the repository and its Python environment provide.
  refs="$WORK/references"
  "$(scripts/python_env.sh)" tests/support/make_references.py --out "$refs" >&2
  DATA="$WORK/data"
  mkdir -p "$DATA/golden/clip_public"
  ln -s "$refs/clip" "$DATA/clip"
  ln -s "$refs/videos" "$DATA/videos"
  ln -s "$refs/clip/tokenizer_golden.jsonl" "$DATA/golden/clip_public/tokenizer_golden.jsonl"
  ln -s "$refs/clip/vit_tiny/model.safetensors" "$DATA/golden/clip_public/model.safetensors"
  ln -s "$PWD/data/labels" "$DATA/labels"
  ln -s "$PWD/data/splits" "$DATA/splits"
fi
for t in "${TARGETS[@]}"; do mkdir -p "$WORK/$t"; done
n=0
seed() {  # seed TARGET [SELECTOR_BYTE_OCTAL]  < content
  n=$((n + 1))
  if [ ! -d "$WORK/$1" ]; then cat >/dev/null; return 0; fi  # target not selected
  local out="$WORK/$1/seed_$n"
  if [ $# -gt 1 ]; then printf "\\$2" >"$out"; else : >"$out"; fi
  head -c 8192 >>"$out"
}
have() { [ -f "$DATA/$1" ]; }

# safetensors: tiny valid files, plus the real header of the golden model without its data.
safetensors() {  # safetensors HEADER_JSON DATA_BYTES
  local len=${#1}
  printf "$(printf '\\%03o\\%03o\\%03o\\%03o\\000\\000\\000\\000' \
    $((len & 255)) $((len >> 8 & 255)) $((len >> 16 & 255)) $((len >> 24 & 255)))"
  printf '%s' "$1"
  head -c "$2" /dev/zero
}
safetensors '{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}' 16 | seed fuzz_safetensors
safetensors '{"__metadata__":{"format":"pt"},"w":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"I64","shape":[],"data_offsets":[6,14]}}' 14 | seed fuzz_safetensors
safetensors '{"x":{"dtype":"BF16","shape":[0],"data_offsets":[0,0]}}' 0 | seed fuzz_safetensors
if have golden/clip_public/model.safetensors; then
  f="$DATA/golden/clip_public/model.safetensors"
  hlen=$(od -An -tu4 -N4 "$f" | tr -d ' ')
  head -c $((8 + hlen)) "$f" | seed fuzz_safetensors
fi

# CLIP BPE: the golden texts, one per seed.
if have golden/clip_public/tokenizer_golden.jsonl; then
  head -n 40 "$DATA/golden/clip_public/tokenizer_golden.jsonl" | while IFS= read -r line; do
    printf '%s' "$line" | seed fuzz_clip_bpe
  done
fi
printf 'a photo of a dog' | seed fuzz_clip_bpe
printf 'ＦＵＬＬ\xe2\x80\x8b width &amp; <|startoftext|> 123 x\xff\xfe' | seed fuzz_clip_bpe

# Config: the repository's configs without their `_base_` lines (bases do not resolve here).
for f in configs/*.yaml configs/*/*.yaml; do
  if [ -f "$f" ]; then grep -v '^_base_' "$f" | seed fuzz_config; fi
done
printf 'run:\n  seed: 3\nmodel:\n  arch: ViT-B/16\n' | seed fuzz_config
# Anchors and aliases: a shared mapping, a merge key, a recursive alias (refused by name) and
# a small alias fan-out (the loader bounds how far aliases may multiply a document).
printf 'run: &r {seed: 3, threads: 2}\nmodel: {arch: ViT-B/16}\nx: *r\n' | seed fuzz_config
printf 'defaults: &d {device: cpu}\nrun:\n  <<: *d\n  seed: 1\n' | seed fuzz_config
printf 'x: &a [*a]\n' | seed fuzz_config
printf '&a [*a]\nrun: {seed: 1}\n' | seed fuzz_config
printf 'a: &a [1, 1, 1]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n' | seed fuzz_config

# Class names: byte 0 = format (0 auto, 1 csv, 2 lines, 3 ssv2_json, 4 class_ind, 5 json_list).
for pair in "k400/kinetics_400_labels.csv:001" "hmdb51/text4vis_hmdb51_labels.csv:001" \
            "ucf101/classInd.txt:004" "ssv2/something-something-v2-labels.json:003" \
            "diving48/Diving48_vocab.json:005"; do
  if have "labels/${pair%%:*}"; then
    seed fuzz_class_names "${pair##*:}" <"$DATA/labels/${pair%%:*}"
    seed fuzz_class_names 000 <"$DATA/labels/${pair%%:*}"
  fi
done
for f in "$DATA"/labels/*/mmaction2_*; do
  if [ -f "$f" ]; then seed fuzz_class_names 002 <"$f"; fi
done

# Annotation lists: byte 0 = format (bits 0-2), multi-label (8), class list (16), separator (32, 64).
for f in hmdb_splits/val1.txt ucf_splits/train1_few_shot_2.txt k400_splits/val.txt; do
  if have "splits/vifi_clip/$f"; then head -n 20 "$DATA/splits/vifi_clip/$f" | seed fuzz_video_list 000; fi
done
printf 'a.mp4 1,2\nb.mp4 0\n' | seed fuzz_video_list 010
printf 'frames/a 120 3\nframes/b 64 0\n' | seed fuzz_video_list 021
printf 'label,youtube_id,time_start,time_end,split\nabseiling,0347ZoDXyP0,14,24,val\n"air drumming",-0BeLfMLYtI,0,10,val\n' \
  | seed fuzz_video_list 022
printf 'a.mp4,3\nb.mp4,0\n' | seed fuzz_video_list 043
printf '[{"id":"78687","label":"holding potato","template":"Holding [something]","placeholders":["potato"]}]' \
  | seed fuzz_video_list 024
printf 'ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 3\nArchery/v_Archery_g01_c01.avi\n' | seed fuzz_video_list 025
printf '[{"vid_name":"-mmq0PT-u8k_00155","label":8,"start_frame":0,"end_frame":50}]' | seed fuzz_video_list 026

# Description cache: a valid two-class cache (labels abseiling, air drumming), with a selection.
sha=$(printf 'abseiling\nair drumming\n' | sha256sum | cut -d' ' -f1)
prov='{"generator":"sfar describe import (ost)","source":"imported from x.json","model":"","prompt_id":"steps","prompt":"","system_prompt":"","temperature":null,"seed":null,"time":"2024-05-01T12:00:00Z","request_sha256":""}'
cls() {  # cls ID NAME
  printf '{"id":%s,"name":"%s","global_text":"a video of a person %s.","candidates":[{"sentences":["This action is one.","This action is two."],"provenance":%s,"scores":{"sigma":[0.1,0.2],"delta":[0.3,0.4],"tpp":5.5}}],"selected":0,"tpp":5.5,"failures":[{"prompt_id":"phases","message":"no answer","time":"2024-05-01T12:00:00Z"}]}' \
    "$1" "$2" "$2" "$prov"
}
printf '{"schema":"sfar.description_cache","schema_version":1,"dataset":"toy","label_file":"l.csv","labels_sha256":"%s","global_template":"a video of a person {name}.","num_classes":2,"selection":{"mode":"per_class","encoder":"clip","time":"2024-05-01T12:00:00Z","dataset_tpp":5.5},"classes":[%s,%s]}' \
  "$sha" "$(cls 0 abseiling)" "$(cls 1 'air drumming')" | seed fuzz_description_cache 001

# Videos: the first 48 kB of each video, and (with the ffmpeg command) tiny re-encodings of the
# first MP4 in four containers and codecs, each a few kB.
if [ -d "$WORK/fuzz_video_reader" ]; then
  for f in "$DATA"/videos/*; do
    if [ -f "$f" ]; then head -c 49152 "$f" >"$WORK/fuzz_video_reader/head_$(basename "$f")"; fi
  done
  # Geometry seeds (a few kB each): odd and real-world sizes, pixel formats, codecs and
  # containers, a rotated clip, a variable-frame-rate one and one with audio.
  if command -v ffmpeg >/dev/null; then
    geo() {  # geo NAME SIZE PIX_FMT OUTPUT_ARGS...
      local name=$1 size=$2 fmt=$3
      shift 3
      ffmpeg -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=$size:rate=10" -frames:v 3 \
        -vf "format=$fmt" -g 2 "$@" "$WORK/fuzz_video_reader/geo_$name" || true
    }
    geo 17x13_vp8.webm 17x13 yuv420p -c:v libvpx -deadline realtime
    geo 33x19_vp9.webm 33x19 yuv420p -c:v libvpx-vp9 -deadline realtime -cpu-used 8
    geo 63x31_mpeg4.avi 63x31 yuv420p -c:v mpeg4
    geo 45x27_mjpeg.avi 45x27 yuvj420p -c:v mjpeg
    geo 21x17_raw.nut 21x17 yuv420p -c:v rawvideo
    geo 426x240_h264.mp4 426x240 yuv420p -c:v libx264 -preset ultrafast -crf 45
    geo 106x60_h264_422.mkv 106x60 yuv422p -c:v libx264 -preset ultrafast
    geo 106x60_h264_444.mp4 106x60 yuv444p -c:v libx264 -preset ultrafast
    geo 106x60_h264_10bit.mp4 106x60 yuv420p10le -c:v libx264 -preset ultrafast
    geo 53x31_gray.mkv 53x31 gray -c:v ffv1
    geo 53x31_pal8.gif 53x31 pal8 -c:v gif
    geo 106x60_hevc.mp4 106x60 yuv420p -c:v libx265 -preset ultrafast -x265-params log-level=error
    geo 106x60_av1.mkv 106x60 yuv420p -c:v libaom-av1 -cpu-used 8 -usage realtime
    geo 106x60_mpeg2.mpg 106x60 yuv420p -c:v mpeg2video
    geo 107x61_vfr.mkv 107x61 "yuv420p,setpts=N*N*0.05/TB" -c:v libx264 -preset ultrafast -fps_mode vfr
    # The display matrix is written when remuxing with the rotate tag.
    ffmpeg -nostdin -loglevel error -y -i "$WORK/fuzz_video_reader/geo_106x60_h264_444.mp4" -c copy \
      -metadata:s:v:0 rotate=90 "$WORK/fuzz_video_reader/geo_106x60_rot90.mp4" || true
    ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=43x25:rate=10 -f lavfi -i sine=duration=0.3 \
      -frames:v 3 -c:v libvpx -c:a libopus -shortest "$WORK/fuzz_video_reader/geo_43x25_audio.webm" || true
  fi
  source=$(ls "$DATA"/videos/*.mp4 2>/dev/null | head -n 1 || true)
  if command -v ffmpeg >/dev/null && [ -n "$source" ]; then
    for spec in "mp4:libx264" "avi:mpeg4" "webm:libvpx-vp9" "mkv:mjpeg"; do
      ffmpeg -nostdin -loglevel error -y -i "$source" -t 0.5 -vf scale=32:24 -an \
        -g 4 -c:v "${spec#*:}" "$WORK/fuzz_video_reader/tiny.${spec%%:*}" || true
    done
  fi
fi

# --- run ------------------------------------------------------------------------------------
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export SFAR_DATA_DIR="$DATA"
status=0
printf '%-24s %12s %8s %s\n' target executions exec/s result
for t in "${TARGETS[@]}"; do
  artifacts="$BUILD_DIR/fuzz-artifacts/$t"
  mkdir -p "$artifacts"
  log="$BUILD_DIR/fuzz-artifacts/$t.log"
  rc=0
  max_len=16384
  if [ "$t" = fuzz_video_reader ]; then max_len=65536; fi  # whole small videos
  dict=()
  if [ -f "tests/fuzz/$t.dict" ]; then dict=(-dict="tests/fuzz/$t.dict"); fi
  "$BUILD_DIR/tests/fuzz/$t" "${dict[@]}" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -max_len=$max_len \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" "$WORK/$t" >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  if [ $rc -eq 0 ]; then result=ok; else result="FAILED (rc $rc, see $log)"; status=1; fi
  printf '%-24s %12s %8s %s\n' "$t" "$execs" "$rate" "$result"
done
exit $status
