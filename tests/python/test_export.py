"""`sfar export`: a trained run's weights as a PyTorch state_dict and as safetensors, loaded by
torch, safetensors and open_clip, and taken back by sfar as model.weights (head included)."""

import json

import numpy as np
import open_clip
import pytest
import torch
import yaml
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file

from conftest import VOCAB, last_json, sfar, tiny_open_clip, write_config

HEAD = "sfar_head."
# The SFAR head with sum fusion (docs/checkpoint_format.md).
SFAR_HEAD_KEYS = {f"coarse.w_{x}.weight" for x in "qkv"} | {
    f"{ffn}.{fc}.{p}" for ffn in ("ffn_coarse", "ffn_fine") for fc in ("fc1", "fc2") for p in ("weight", "bias")}


def backbone(state):
    return {k: v for k, v in state.items() if not k.startswith(HEAD)}


def test_state_dict_is_a_plain_dict_of_tensors_with_openai_and_head_names(tiny):
    state = torch.load(tiny.exports["pt"], map_location="cpu", weights_only=True)
    assert type(state) is dict
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    assert set(backbone(state)) == set(tiny_open_clip().state_dict())
    assert {k[len(HEAD):] for k in state if k.startswith(HEAD)} == SFAR_HEAD_KEYS


def test_safetensors_holds_the_same_tensors_and_names_the_run(tiny):
    state = torch.load(tiny.exports["pt"], map_location="cpu", weights_only=True)
    st = load_file(tiny.exports["safetensors"])
    assert set(st) == set(state)
    for name, tensor in state.items():
        assert torch.equal(st[name], tensor), name
    with safe_open(tiny.exports["safetensors"], framework="pt") as f:
        meta = f.metadata()
    assert meta["format"] == "sfar-export-1"
    assert meta["head_type"] == "sfar"
    assert meta["sfar_version"] and meta["sfar_version"] != "unknown"
    config = yaml.safe_load(meta["config"])  # the run's resolved config
    assert config["head"]["type"] == "sfar" and config["data"]["num_frames"] == 4


def test_export_holds_the_trained_weights(tiny):
    state = torch.load(tiny.exports["pt"], map_location="cpu", weights_only=True)
    initial = torch.load(tiny.clip, map_location="cpu", weights_only=True)
    assert not torch.equal(state["visual.conv1.weight"], initial["visual.conv1.weight"]), "image tower trains"
    assert torch.equal(state["token_embedding.weight"], initial["token_embedding.weight"]), "text tower is frozen"
    assert state[HEAD + "ffn_fine.fc2.weight"].abs().sum() > 0, "the FFN left its identity start"


def test_open_clip_loads_the_backbone_and_encodes_as_sfar_does(tiny, tmp_path):
    model = tiny_open_clip(seed=1)
    state = backbone(torch.load(tiny.exports["pt"], map_location="cpu", weights_only=True))
    model.load_state_dict(state, strict=True)

    texts = ["a video of moving left, then moving up.", "In the end, the actor rises toward the top edge."]
    inputs = tmp_path / "texts.jsonl"
    inputs.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    # Exports are OpenAI-named: the activation (the tiny CLIP's QuickGELU) is stated.
    out = sfar("encode-text", "--weights", str(tiny.exports["safetensors"]), "--activation", "quick_gelu",
               "--vocab", str(VOCAB),
               "--input", str(inputs), "--device", "cpu")
    sfar_text = torch.tensor([json.loads(line)["embedding"] for line in out.stdout.splitlines()])
    with torch.no_grad():
        ours = model.encode_text(open_clip.tokenize(texts))
    assert (sfar_text - ours).abs().max().item() < 1e-4

    # An image already at the input resolution, so that resizing and cropping leave it unchanged.
    pixels = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    image = tmp_path / "frame.png"
    Image.fromarray(pixels).save(image)
    out = sfar("encode-image", "--weights", str(tiny.exports["pt"]), "--activation", "quick_gelu", str(image),
               "--device", "cpu")
    sfar_image = torch.tensor(json.loads(out.stdout.splitlines()[0])["embedding"])
    x = torch.from_numpy(pixels).permute(2, 0, 1).float() / 255
    mean = torch.tensor(open_clip.OPENAI_DATASET_MEAN)[:, None, None]
    std = torch.tensor(open_clip.OPENAI_DATASET_STD)[:, None, None]
    with torch.no_grad():
        ours = model.encode_image(((x - mean) / std)[None])[0]
    assert (sfar_image - ours).abs().max().item() < 1e-4


@pytest.mark.parametrize("ext", ["pt", "safetensors"])
def test_export_as_model_weights_scores_like_the_checkpoint(tiny, ext):
    """The round trip: sfar evaluates an export given as model.weights exactly as the checkpoint."""
    reference = last_json(sfar("eval", "-c", str(tiny.config), "--checkpoint", str(tiny.checkpoint)))
    via_export = last_json(sfar("eval", "-c", str(tiny.config), "--set", f"model.weights={tiny.exports[ext]}"))
    for key in ("top1", "top5", "mean_class_accuracy", "videos"):
        assert via_export[key] == pytest.approx(reference[key], abs=1e-9), key


def test_training_starts_from_an_export_head_included(tiny, tmp_path):
    config = write_config(tmp_path / "again.yaml", tmp_path / "run", tiny.data, tiny.exports["safetensors"])
    sfar("train", "-c", str(config))
    assert "loaded the sfar head's weights from " + str(tiny.exports["safetensors"]) in \
        (tmp_path / "run" / "log.txt").read_text()


def test_an_export_that_does_not_fit_the_head_names_file_and_tensor(tiny):
    result = sfar("eval", "-c", str(tiny.config), "--set", f"model.weights={tiny.exports['pt']}",
                  "--set", "head.type=fine", check=False)
    assert result.returncode != 0
    assert str(tiny.exports["pt"]) in result.stderr and "sfar_head.coarse." in result.stderr, result.stderr
