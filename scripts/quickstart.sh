#!/usr/bin/env bash
# The quick start, end to end on the CPU with no downloads: installs what is missing, builds,
# generates the synthetic storyboard benchmark, pre-trains a small CLIP and its tokenizer on
# it, selects sub-texts by TPP, trains the baseline (mean head) and SFAR, runs the supervised,
# few-shot (all K) and zero-shot protocols over several seeds, and writes
# runs/quickstart/report.md (table, what each column measures, curves, one key-frame picture,
# TPP), printing the table. The terminal shows one progress bar per stage (sfar's --progress;
# SFAR_PROGRESS=log puts the per-step lines there instead); every run's per-step lines are in
# its log.txt and each command's own output in a file beside its results.
#
# Knobs (environment): QS_OUT (runs/quickstart), QS_PRESET (storyboard-v2; storyboard-mini
# for four classes that share no atomic action, which the small CLIP learns within minutes;
# the unit tests' storyboard-tiny also runs), QS_SEEDS (0,1,2), QS_SHOTS ([16]; [2,4,8,16] for every K),
# QS_SKIP_BUILD=1 (use an existing build/sfar), SFAR (the binary, build/sfar), and overrides
# of configs/quickstart/*.yaml (unset: the config's value): QS_EPOCHS and QS_BATCH
# (fine-tuning), QS_REPEAT_TO_FULL (true: each K-shot epoch cycles its list to train.txt's
# length; false: the list once), QS_PRETRAIN_EPOCHS and QS_PRETRAIN_BATCH (pre-training).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${QS_OUT:-runs/quickstart}
PRESET=${QS_PRESET:-storyboard-v2}
SEEDS=${QS_SEEDS:-0,1,2}
SHOTS=${QS_SHOTS:-[16]}
SFAR=${SFAR:-build/sfar}

if [ "${QS_SKIP_BUILD:-0}" != 1 ]; then
  scripts/install_deps.sh build
  # The sfar tool and its libraries only: the test suite is not compiled (scripts/test.sh turns
  # it on again in the same build directory).
  scripts/build.sh build -DSFAR_BUILD_TESTS=OFF
fi
start=$(date +%s)
stage() { echo; echo "== [$(( $(date +%s) - start )) s] $*"; }
# --set KEY=$VALUE when VALUE is set; nothing otherwise, so the config's own value holds.
override() { [ -z "${2:-}" ] || printf '%s\n' --set "$1=$2"; }
# The value of KEY in SECTION of a run's resolved.yaml (what the run actually used).
resolved() { awk -v section="$2:" -v key="  $3: " '$0 == section { f = 1; next } /^[^ ]/ { f = 0 }
  f && index($0, key) == 1 { print substr($0, length(key) + 1); exit }' "$1"; }

mkdir -p "$OUT"
DATA=$OUT/data
PRE=$OUT/pretrain

stage "1/6 synthetic storyboard benchmark ($PRESET) -> $DATA"
"$SFAR" synth --preset "$PRESET" --out "$DATA" --seed 0 --force > "$OUT/synth.json"

stage "2/6 pre-training a small CLIP and a SentencePiece tokenizer on single- and two-action clips -> $PRE"
"$SFAR" pretrain --config configs/quickstart/pretrain.yaml --set "pretrain.root=$DATA" \
  $(override pretrain.epochs "${QS_PRETRAIN_EPOCHS:-}") $(override pretrain.batch_size "${QS_PRETRAIN_BATCH:-}") \
  --work-dir "$PRE" > "$OUT/pretrain.json"

stage "3/6 TPP: scoring every candidate sub-text set with the pre-trained text tower"
cp "$DATA/descriptions.json" "$DATA/descriptions_selected.json"
# --config: TPP scores the sets against the global template the runs below read.
# The config names the model, its activation, tokenizer and template; only the paths move.
"$SFAR" describe select --cache "$DATA/descriptions_selected.json" --device cpu --config configs/quickstart/sfar.yaml \
  --set "model.weights=$PRE/clip.pt" --set "text.vocab=$PRE/tokenizer.model" > "$OUT/tpp.jsonl"

common=(--set "data.root=$DATA" --set "model.weights=$PRE/clip.pt" --set "text.vocab=$PRE/tokenizer.model"
        --set "protocol.few_shot.shots=$SHOTS" --seeds "$SEEDS"
        $(override train.epochs "${QS_EPOCHS:-}") $(override data.batch_size "${QS_BATCH:-}")
        $(override train.batch_size "${QS_BATCH:-}")
        $(override protocol.few_shot.repeat_to_full "${QS_REPEAT_TO_FULL:-}"))
for head in mean sfar; do
  stage "4/6 $head head: supervised, few-shot (K in $SHOTS) and zero-shot, seeds $SEEDS"
  mkdir -p "$OUT/$head"
  for protocol in supervised few-shot; do
    "$SFAR" protocol "$protocol" --config "configs/quickstart/$head.yaml" "${common[@]}" \
      --work-dir "$OUT/$head/$protocol" > "$OUT/$head/$protocol.out"
  done
  # Zero-shot trains on the same source (train.txt) as supervised: the weights its runs report
  # (protocol.report: best.pt, or the last step's), one per seed in seed order as results.json
  # lists them, are evaluated on the held-out classes instead of training them again.
  checkpoints=()
  while read -r checkpoint; do
    checkpoints+=(--checkpoint "$checkpoint")
  done < <(grep -o '"checkpoint":"[^"]*"' "$OUT/$head/supervised/results.json" | cut -d'"' -f4)
  "$SFAR" protocol zero-shot --config "configs/quickstart/$head.yaml" "${common[@]}" "${checkpoints[@]}" \
    --work-dir "$OUT/$head/zero-shot" > "$OUT/$head/zero-shot.out"
done

stage "5/6 key frames of SFAR on one validation video"
read -r video label < <(head -n 1 "$DATA/val.txt")
checkpoint=$(ls "$OUT"/sfar/supervised/seed*/checkpoints/best.pt 2>/dev/null | head -n 1 || true)
[ -n "$checkpoint" ] || checkpoint=$(ls "$OUT"/sfar/supervised/seed*/checkpoints/step_*.pt | tail -n 1)
"$SFAR" infer --config configs/quickstart/sfar.yaml --set "data.root=$DATA" --set "model.weights=$PRE/clip.pt" \
  --set "text.vocab=$PRE/tokenizer.model" --checkpoint "$checkpoint" --video "$DATA/$video" --label "$label" \
  --explain "$OUT/explain.png" > "$OUT/explain.json"

stage "6/6 report -> $OUT/report.md"
# What the page adds after the table, the column sentences, the curves and the key frames.
{
  echo "## How this run was made"
  echo
  echo "Preset \`$PRESET\` (seed 0), pre-training $(resolved "$PRE/resolved.yaml" pretrain epochs) epochs," \
    "fine-tuning $(resolved "$OUT/mean/supervised/seed${SEEDS%%,*}/resolved.yaml" train epochs) epochs,"
  echo "seeds $SEEDS; $(( $(date +%s) - start )) s after the build. Supervised and few-shot: top-1 on val.txt;"
  echo "zero-shot: top-1 on the held-out classes (new orderings or combinations of seen atomic actions)."
  echo "The test lists were never used to choose anything. A cell within a few points of chance means"
  echo "the model has not learned that task, and a difference between two such cells is no evidence"
  echo "for either head."
  echo
  echo "The key-frame picture is \`sfar infer --explain\` on \`$video\` (\`explain.json\`: the top classes"
  echo "and the key frames with their sub-texts)."
  echo
  echo "## Sub-texts chosen by TPP"
  echo
  echo "\`sfar describe select\` chose, per class, the candidate set with the highest TPP with the"
  echo "pre-trained text tower; the full report (lowest classes, histogram) is \`tpp.jsonl\`:"
  echo
  echo '```'
  head -n 1 "$OUT/tpp.jsonl"
  echo '```'
} > "$OUT/notes.md"
"$SFAR" report --method "baseline (mean head)=$OUT/mean" --method "SFAR=$OUT/sfar" \
  --title "sfar quick start: top-1 % on the synthetic storyboard benchmark, mean ± std over seeds $SEEDS" \
  --out "$OUT/table.md" --page "$OUT/report.md" --picture "$OUT/explain.png" --notes "$OUT/notes.md" \
  > "$OUT/table.jsonl"

echo
cat "$OUT/table.md"
echo
echo "== quick start done in $(( $(date +%s) - start )) s: the report (table, what each column measures, curves,"
echo "   key frames) is $OUT/report.md; each run's log.txt holds its per-step lines"
