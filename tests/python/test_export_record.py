"""Exports say how to read them (#32): the resolved activation, the tokenizer and its
vocabulary's hash, image size, mean/std and the head, in both formats. `sfar info`, `eval`,
`infer`, `train` (the export as model.weights) and `describe select` read an export with no
activation flag, and a setting that contradicts the record is an error naming both values."""

import hashlib
import json
import shutil

import pytest
import yaml

import sfar_head
from conftest import VOCAB, last_json, sfar

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


@pytest.fixture(scope="module")
def bare_config(tiny, tmp_path_factory):
    """The tiny run's config without `activation: quick_gelu`: auto, as a user's would be."""
    text = tiny.config.read_text()
    assert ", activation: quick_gelu" in text
    path = tmp_path_factory.mktemp("record") / "bare.yaml"
    path.write_text(text.replace(", activation: quick_gelu", ""))
    return path


def failure(*args):
    result = sfar(*args, check=False)
    assert result.returncode != 0, f"sfar {' '.join(args)} succeeded"
    return result.stderr


@pytest.mark.parametrize("ext", ["pt", "safetensors"])
def test_export_records_how_to_read_it(tiny, ext):
    record = sfar_head.export_record(str(tiny.exports[ext]))
    assert record["activation"] == "quick_gelu"  # the run said quick_gelu; open_clip: quick_gelu=True
    assert record["tokenizer"] == "clip_bpe"
    assert record["vocab_sha256"] == hashlib.sha256(VOCAB.read_bytes()).hexdigest()
    assert record["image_size"] == 32
    assert record["mean"] == pytest.approx(CLIP_MEAN) and record["std"] == pytest.approx(CLIP_STD)
    head = yaml.safe_load(record["head"])
    run_head = yaml.safe_load(tiny.config.read_text())["head"]
    assert head["type"] == run_head["type"] == "sfar" and "tau_coarse" in head


@pytest.mark.parametrize("ext", ["pt", "safetensors"])
def test_info_reads_the_activation_from_the_export(tiny, ext):
    out = last_json(sfar("info", "--weights", str(tiny.exports[ext])))
    assert out["activation"] == "quick_gelu"
    message = failure("info", "--weights", str(tiny.exports[ext]), "--activation", "gelu")
    assert "--activation" in message and "gelu" in message and "quick_gelu" in message, message


def test_eval_and_infer_read_an_export_with_no_flags(tiny, bare_config, tmp_path):
    weights = f"model.weights={tiny.exports['safetensors']}"
    work_dir = f"run.work_dir={tmp_path}"  # eval's tables go here, not into the tiny run
    from_export = last_json(sfar("eval", "-c", str(bare_config), "--set", weights, "--set", work_dir))
    from_checkpoint = last_json(sfar("eval", "-c", str(tiny.config), "--checkpoint", str(tiny.checkpoint),
                                     "--set", work_dir))
    assert from_export["top1"] == pytest.approx(from_checkpoint["top1"])
    video = str(tiny.data / (tiny.data / "val.txt").read_text().split()[0])
    a = last_json(sfar("infer", "-c", str(bare_config), "--set", weights, "--video", video))
    b = last_json(sfar("infer", "-c", str(tiny.config), "--checkpoint", str(tiny.checkpoint), "--video", video))
    assert max(abs(x - y) for x, y in zip(a["logits"], b["logits"])) < 1e-4


def test_train_from_an_export_with_no_flags(tiny, bare_config, tmp_path):
    sfar("train", "-c", str(bare_config), "--set", f"model.weights={tiny.exports['pt']}", "--set", "train.epochs=1",
         "--work-dir", str(tmp_path / "again"))


@pytest.mark.parametrize("setting, named", [
    ("model.activation=gelu", ["model.activation", "quick_gelu", "gelu"]),
    ("head.tau_fine=0.05", ["head.tau_fine", "0.05", "0.01"]),
    ("text.tokenizer=sentencepiece", ["text.tokenizer", "sentencepiece", "clip_bpe"]),
    ("data.test_pipeline=[{type: center_crop, size: 32}, {type: normalize, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]}]",
     ["data.test_pipeline[1].mean", "0.5", "0.48145466"]),
])
def test_a_setting_contradicting_the_record_names_both(tiny, bare_config, setting, named):
    message = failure("eval", "-c", str(bare_config), "--set", f"model.weights={tiny.exports['safetensors']}",
                      "--set", setting)
    for text in named:
        assert text in message, (setting, message)


def test_another_vocabulary_is_an_error(tiny, bare_config, tmp_path):
    other = tmp_path / "other_vocab.txt.gz"
    other.write_bytes(VOCAB.read_bytes() + b"\0")
    message = failure("eval", "-c", str(bare_config), "--set", f"model.weights={tiny.exports['pt']}",
                      "--set", f"text.vocab={other}")
    assert "text.vocab" in message and hashlib.sha256(VOCAB.read_bytes()).hexdigest() in message, message


def test_describe_select_reads_an_export(tiny, tmp_path):
    cache = tmp_path / "descriptions.json"
    shutil.copy(tiny.data / "descriptions.json", cache)
    out = last_json(sfar("describe", "select", "--cache", str(cache), "--weights", str(tiny.exports["safetensors"]),
                         "--vocab", str(VOCAB)))
    assert json.dumps(out)
    message = failure("describe", "select", "--cache", str(cache), "--weights", str(tiny.exports["safetensors"]),
                      "--vocab", str(VOCAB), "--activation", "gelu")
    assert "quick_gelu" in message and "gelu" in message, message
