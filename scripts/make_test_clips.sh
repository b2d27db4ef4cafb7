#!/usr/bin/env bash
# Makes COUNT tiny clips of mixed sizes, codecs and containers in DIR, one in every 20 of them
# corrupt, and DIR/list.txt ("<file> <label>", labels 0..9) naming all of them. For the
# dataset-check run and the loader soak test (tests/data/video_loader_soak_test.cpp).
#
#   scripts/make_test_clips.sh COUNT DIR
#
# Clip i is 3 frames of a moving test pattern at a size drawn from i (16..426 x 16..240, odd
# sizes where the codec allows them), encoded as H.264/MP4, H.264/MKV, VP8/WebM, VP9/WebM,
# MPEG-4/AVI, MJPEG/AVI, MPEG-2/MPG or FFV1/MKV in turn (17 kB on average). The corrupt ones cycle
# through: truncated to 40 %, zero bytes, a text file, random bytes, and a list entry whose
# file does not exist. Outputs are made 40 to an ffmpeg process. Needs the ffmpeg command.
set -euo pipefail

COUNT=${1:?usage: make_test_clips.sh COUNT DIR}
DIR=${2:?usage: make_test_clips.sh COUNT DIR}
mkdir -p "$DIR"
: >"$DIR/list.txt"

CODECS=("mp4|-c:v libx264 -preset ultrafast|even"
        "webm|-c:v libvpx -deadline realtime -cpu-used 8|odd"
        "avi|-c:v mpeg4|odd"
        "mkv|-c:v libx264 -preset ultrafast|even"
        "webm|-c:v libvpx-vp9 -deadline realtime -cpu-used 8|odd"
        "avi|-c:v mjpeg -pix_fmt yuvj420p|odd"
        "mpg|-c:v mpeg2video|even"
        "mkv|-c:v ffv1|odd")
BATCH=40

encode_batch() {  # encode_batch ARGS...: one ffmpeg process, input 0 the test pattern
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=448x256:rate=10 "$@"
}

args=()
pending=0
bad=()
for ((i = 0; i < COUNT; i++)); do
  spec=${CODECS[$(((i + i / 20) % ${#CODECS[@]}))]}  # shifted every 20, so corrupt clips vary too
  ext=${spec%%|*}
  rest=${spec#*|}
  codec=${rest%|*}
  parity=${rest##*|}
  w=$((16 + (i * 37) % 411))
  h=$((16 + (i * 23) % 225))
  if [ "$parity" = even ]; then w=$((w + w % 2)); h=$((h + h % 2)); fi
  name=$(printf 'clip_%05d.%s' "$i" "$ext")
  echo "$name $((i % 10))" >>"$DIR/list.txt"
  if [ $((i % 20)) -eq 19 ]; then bad+=("$i:$name"); fi
  # shellcheck disable=SC2206
  args+=(-map 0:v -frames:v 3 -g 2 -vf "scale=$w:$h" $codec "$DIR/$name")
  pending=$((pending + 1))
  if [ $pending -eq $BATCH ]; then encode_batch "${args[@]}"; args=(); pending=0; fi
done
if [ $pending -gt 0 ]; then encode_batch "${args[@]}"; fi

# Corrupt one clip in twenty, five ways in turn.
k=0
for entry in "${bad[@]}"; do
  f="$DIR/${entry#*:}"
  case $((k % 5)) in
    0) size=$(stat -c %s "$f"); head -c $((size * 2 / 5)) "$f" >"$f.tmp" && mv "$f.tmp" "$f" ;;
    1) : >"$f" ;;
    2) echo "this is a text file, not a video" >"$f" ;;
    3) head -c 4096 /dev/urandom >"$f" ;;
    4) rm -f "$f" ;;
  esac
  k=$((k + 1))
done
echo "made $COUNT clips in $DIR (${#bad[@]} corrupt), list: $DIR/list.txt"
