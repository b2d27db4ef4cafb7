"""A tiny trained sfar run shared by the Python interop tests, made here from nothing shared:
the storyboard-tiny synthetic benchmark (`sfar synth`), a random-weight CLIP written by
open_clip (OpenAI's layout, CLIP's BPE vocabulary from the open_clip package), one epoch of the
SFAR head, and its two exports. The `sfar` binary comes from $SFAR_BINARY (set by CTest)."""

import csv
import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import sys

import open_clip
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))  # sfar_head.py

# The tiny CLIP: one 64-wide layer per tower (sfar infers one head per 64 channels), 32 px images
# in 2x2 patches of 16, CLIP's vocabulary and context so that open_clip's tokenizer matches.
EMBED_DIM = 32
VISION_CFG = dict(layers=1, width=64, patch_size=16, image_size=32, head_width=64)
TEXT_CFG = dict(context_length=77, vocab_size=49408, width=64, heads=1, layers=1)
NUM_SUBTEXTS = 2
GLOBAL_TEMPLATE = "a video of {name}."
VOCAB = Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz"  # CLIP's BPE, shipped by open_clip


def tiny_open_clip(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return open_clip.model.CLIP(EMBED_DIM, VISION_CFG, TEXT_CFG, quick_gelu=True).eval()


def sfar(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the sfar binary; on failure the assertion shows its output."""
    binary = os.environ.get("SFAR_BINARY")
    if not binary:
        pytest.fail("SFAR_BINARY is not set: run these tests through ctest (or set it to the built sfar)")
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if check:
        assert result.returncode == 0, f"sfar {' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


def last_json(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def write_config(path: Path, work_dir: Path, data: Path, weights: Path, epochs: int = 1) -> Path:
    path.write_text(f"""run: {{name: tiny, work_dir: {work_dir}, threads: 2, device: cpu, seed: 3}}
model: {{arch: auto, weights: {weights}, activation: quick_gelu}}
text: {{vocab: {VOCAB}, context_length: 77}}
head: {{type: sfar}}
descriptions: {{cache: descriptions.json, num_subtexts: {NUM_SUBTEXTS}, global_template: "{GLOBAL_TEMPLATE}", selection: first}}
data:
  root: {data}
  list: train.txt
  labels: classes.csv
  num_frames: 4
  short_side: 40
  workers: 1
  batch_size: 8
  train_pipeline: [{{type: center_crop, size: 32}}, {{type: normalize}}]
  test_pipeline: [{{type: center_crop, size: 32}}, {{type: normalize}}]
eval: {{list: val.txt}}
train: {{epochs: {epochs}, warmup_epochs: 0, lr: 1.0e-3, batch_size: 16, log_interval: 1}}
""")
    return path


def class_texts(data: Path) -> tuple[list[str], list[list[str]]]:
    """The global texts and sub-texts sfar builds for the classes of classes.csv: the template,
    and each class's first candidate set (descriptions.selection: first), padded with its last sentence."""
    with open(data / "classes.csv", newline="") as f:
        names = [row["name"] for row in csv.DictReader(f)]
    cache = {c["name"]: c for c in json.loads((data / "descriptions.json").read_text())["classes"]}
    subs = []
    for name in names:
        entry = cache[name]
        sentences = list(entry["candidates"][0]["sentences"])
        sentences = (sentences + [sentences[-1]] * NUM_SUBTEXTS)[:NUM_SUBTEXTS]
        subs.append(sentences)
    return [GLOBAL_TEMPLATE.replace("{name}", n) for n in names], subs


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("sfar_tiny")
    data = root / "data"
    sfar("synth", "--preset", "storyboard-tiny", "--out", str(data))
    clip_path = root / "clip.pt"
    torch.save(tiny_open_clip().state_dict(), clip_path)  # the OrderedDict, as users save it
    run = root / "run"
    config = write_config(root / "run.yaml", run, data, clip_path, epochs=2)
    trained = last_json(sfar("train", "-c", str(config)))
    checkpoint = run / "checkpoints" / "best.pt"
    exports = {}
    for ext in ("pt", "safetensors"):
        exports[ext] = root / f"export.{ext}"
        sfar("export", "--checkpoint", str(checkpoint), "--out", str(exports[ext]))
    return SimpleNamespace(root=root, data=data, clip=clip_path, run=run, config=config, trained=trained,
                           checkpoint=checkpoint, exports=exports)
