"""CLIP weights as Python training code saves them load into sfar as they are (#32): the
OrderedDict that `state_dict()` returns, training scripts' wrappers and `module.` prefixes, and
the layouts of open_clip's CustomTextCLIP, BIKE and ViFi-CLIP. Each file's image and text
features from `sfar encode-image` / `encode-text` equal open_clip's, computed here, within 1e-4."""

import argparse
import collections
import json

import numpy as np
import open_clip
import pytest
import torch
from open_clip.model import CustomTextCLIP
from PIL import Image

from conftest import EMBED_DIM, TEXT_CFG, VISION_CFG, VOCAB, sfar, tiny_open_clip

TEXTS = ["a video of a person juggling.", "someone folds paper, then unfolds it!"]


def prefixed(state, prefix):
    return collections.OrderedDict((prefix + k, v) for k, v in state.items())


def sfar_features(weights, image, texts_file, *extra):
    out = sfar("encode-image", "--weights", str(weights), *extra, str(image)).stdout.splitlines()
    image_features = torch.tensor(json.loads(out[-1])["embedding"])
    out = sfar("encode-text", "--weights", str(weights), *extra, "--vocab", str(VOCAB), "--input",
               str(texts_file)).stdout.splitlines()
    text_features = torch.tensor([json.loads(line)["embedding"] for line in out])
    return image_features, text_features


@torch.no_grad()
def reference_features(model, image):
    preprocess = open_clip.image_transform(VISION_CFG["image_size"], is_train=False)
    image_features = model.encode_image(preprocess(Image.open(image))[None])[0]
    return image_features, model.encode_text(open_clip.tokenize(TEXTS))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("clip_weights")
    image = root / "image.png"
    pixels = np.random.default_rng(5).integers(0, 256, (VISION_CFG["image_size"],) * 2 + (3,), dtype=np.uint8)
    Image.fromarray(pixels).save(image)
    texts = root / "texts.jsonl"
    texts.write_text("".join(json.dumps({"text": t}) + "\n" for t in TEXTS))
    return root, image, texts


def check_same(weights, model, inputs, *extra):
    _, image, texts = inputs
    got_image, got_text = sfar_features(weights, image, texts, *extra)
    want_image, want_text = reference_features(model, image)
    assert (got_image - want_image).abs().max().item() < 1e-4, weights
    assert (got_text - want_text).abs().max().item() < 1e-4, weights
    assert want_text.std() > 1e-3  # the features are not all alike


def optimizer_state(model):
    optimizer = torch.optim.AdamW(model.parameters())
    return optimizer.state_dict()


def wrapped_files(model):
    """(name, object torch.save writes, extra sfar flags) for each wrapping a script uses."""
    state = model.state_dict()
    assert isinstance(state, collections.OrderedDict) and hasattr(state, "_metadata")
    quick = ["--activation", "quick_gelu"]
    return [
        ("ordered_dict", state, quick),
        ("open_clip_checkpoint", {"epoch": 3, "name": "run", "state_dict": prefixed(state, "module."),
                                  "optimizer": optimizer_state(model)}, quick),
        ("model_wrapper", {"model": state, "epoch": 1, "args": argparse.Namespace(lr=1e-3)}, quick),
        ("model_state_dict_wrapper", {"model_state_dict": prefixed(state, "module."), "epoch": 2}, quick),
        # BIKE's checkpoints: OpenAI's CLIP (QuickGELU) beside its video head, no flag needed.
        ("bike", {"epoch": 5, "model_state_dict": prefixed(state, "module."),
                  "fusion_model_state_dict": {"module.frame_position_embeddings.weight": torch.zeros(8, EMBED_DIM)},
                  "optimizer_state_dict": optimizer_state(model)}, []),
    ]


@pytest.mark.parametrize("index", range(5))
def test_python_checkpoints_load_as_saved(inputs, index):
    root, _, _ = inputs
    model = tiny_open_clip(seed=11)
    name, obj, extra = wrapped_files(model)[index]
    path = root / f"{name}.pt"
    torch.save(obj, path)
    check_same(path, model, inputs, *extra)


def test_open_clip_custom_text_layout(inputs):
    root, _, _ = inputs
    torch.manual_seed(12)
    model = CustomTextCLIP(EMBED_DIM, VISION_CFG, TEXT_CFG, quick_gelu=True).eval()
    assert any(k.startswith("text.transformer.") for k in model.state_dict())
    path = root / "custom_text.pt"
    torch.save(model.state_dict(), path)
    check_same(path, model, inputs, "--activation", "quick_gelu")


def vifi_clip_state(model, with_token_embedding):
    """ViFi-CLIP's ViFiCLIP names: image_encoder (visual), text_encoder (the text transformer
    without the token embedding), logit_scale, and the prompt learner's class-prompt buffer."""
    state = collections.OrderedDict()
    for k, v in model.state_dict().items():
        if k.startswith("visual."):
            state["module.image_encoder." + k[len("visual."):]] = v
        elif k == "logit_scale":
            state["module.logit_scale"] = v
        elif k != "token_embedding.weight" or with_token_embedding:
            state["module.text_encoder." + k] = v
    state["module.prompt_learner.complete_text_embeddings"] = torch.zeros(4, 77, TEXT_CFG["width"])
    return state


def test_vifi_clip_layout(inputs):
    root, _, texts = inputs
    model = tiny_open_clip(seed=13)
    path = root / "vifi_clip.pth"
    torch.save({"model": vifi_clip_state(model, False), "optimizer": optimizer_state(model), "epoch": 9,
                "config": argparse.Namespace(arch="ViT-B/16")}, path)
    # As ViFi-CLIP saves them, its checkpoints hold no token embedding: an error, not a guess.
    result = sfar("encode-text", "--weights", str(path), "--vocab", str(VOCAB), "--input", str(texts), check=False)
    assert result.returncode != 0
    assert "token_embedding.weight" in result.stderr and "ViFi-CLIP" in result.stderr, result.stderr
    # The renaming itself, checked on a file that carries the embedding; QuickGELU from the layout.
    torch.save({"model": vifi_clip_state(model, True)}, path)
    check_same(path, model, inputs)


def test_a_file_without_weights_is_an_error_naming_its_keys(inputs):
    root, image, _ = inputs
    path = root / "no_weights.pt"
    torch.save({"epoch": 3, "optimizer": {"lr": 0.1}}, path)
    result = sfar("encode-image", "--weights", str(path), "--activation", "quick_gelu", str(image), check=False)
    assert result.returncode != 0
    assert "no_weights.pt" in result.stderr and "epoch" in result.stderr, result.stderr
    path = root / "two_wrappers.pt"
    state = tiny_open_clip().state_dict()
    torch.save({"state_dict": state, "model": state}, path)
    result = sfar("encode-image", "--weights", str(path), "--activation", "quick_gelu", str(image), check=False)
    assert result.returncode != 0 and "several wrapper keys" in result.stderr, result.stderr


def test_a_storage_shorter_than_its_tensors_is_an_error(inputs):
    """A torch.save zip whose first storage record lost bytes: an error naming the file and the
    record, never tensors read past the end."""
    root, image, _ = inputs
    good = root / "good.pt"
    torch.save(tiny_open_clip().state_dict(), good)
    reader = torch._C.PyTorchFileReader(str(good))
    bad = root / "short_storage.pt"
    writer = torch._C.PyTorchFileWriter(str(bad))
    for name in reader.get_all_records():
        if name == ".data/serialization_id":
            continue  # the writer adds its own
        data = reader.get_record(name)
        if name == "data/0":
            data = data[:len(data) // 2]
        writer.write_record(name, data, len(data))
    writer.write_end_of_file()
    del writer
    result = sfar("encode-image", "--weights", str(bad), "--activation", "quick_gelu", str(image), check=False)
    assert result.returncode != 0
    assert "short_storage.pt" in result.stderr and "data/0" in result.stderr, result.stderr
