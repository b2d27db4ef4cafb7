"""python/sfar_head.py, the head re-implemented from the method's equations, gives sfar's logits
on a trained model: from sfar's frame embeddings (export-features) and text features computed by
open_clip from the export's backbone, within 1e-4 of `sfar infer` and of export-features."""

import json

import open_clip
import pytest
import torch
from safetensors.torch import load_file

import sfar_head
from conftest import NUM_SUBTEXTS, class_texts, last_json, sfar, tiny_open_clip


@pytest.fixture(scope="module")
def features(tiny, tmp_path_factory):
    """export-features of val.txt in its three formats."""
    out = tmp_path_factory.mktemp("features")
    paths = {ext: out / f"val.{ext}" for ext in ("pt", "safetensors", "jsonl")}
    for path in paths.values():
        sfar("export-features", "-c", str(tiny.config), "--checkpoint", str(tiny.checkpoint), "--list", "val.txt",
             "--out", str(path))
    return paths


def text_features(tiny, export):
    clip = tiny_open_clip(seed=1)
    clip.load_state_dict(sfar_head.split_export(sfar_head.load_export(str(export))[0])[0], strict=True)
    global_texts, subs = class_texts(tiny.data)
    sub_ids = open_clip.tokenize([s for row in subs for s in row]).reshape(len(subs), NUM_SUBTEXTS, -1)
    return sfar_head.encode_texts(clip, open_clip.tokenize(global_texts), sub_ids)


def test_features_are_a_plain_dict_and_safetensors_with_ids_labels_and_embeddings(tiny, features):
    feats = torch.load(features["pt"], map_location="cpu", weights_only=True)
    assert type(feats) is dict
    rows = [line.split() for line in (tiny.data / "val.txt").read_text().splitlines()]
    assert feats["videos"] == [r[0] for r in rows]
    assert feats["labels"].tolist() == [int(r[1]) for r in rows]
    assert len(feats["class_names"]) == 4
    n = len(rows)
    assert feats["embeddings"].shape == (n, 32) and feats["frame_means"].shape == (n, 32)
    assert feats["frames"].shape == (n, 1, 4, 32) and feats["logits"].shape == (n, 4)
    assert torch.equal(feats["predicted"], feats["logits"].argmax(-1))

    st = load_file(features["safetensors"])
    assert set(st) == {k for k, v in feats.items() if isinstance(v, torch.Tensor)}
    for name, tensor in st.items():
        assert torch.equal(tensor, feats[name]), name
    assert sfar_head.features_metadata(str(features["safetensors"])) == {
        "videos": feats["videos"], "class_names": feats["class_names"]}

    lines = [json.loads(line) for line in features["jsonl"].read_text().splitlines()]
    assert [line["video"] for line in lines] == feats["videos"]
    assert torch.allclose(torch.tensor([line["embedding"] for line in lines]), feats["embeddings"], atol=1e-6)


@pytest.mark.parametrize("ext", ["pt", "safetensors"])
def test_sfar_head_matches_sfar_logits(tiny, features, ext):
    feats = torch.load(features["pt"], map_location="cpu", weights_only=True)
    head = sfar_head.SfarHead.from_export(str(tiny.exports[ext]))
    assert head.head_type == "sfar"
    with torch.no_grad():
        logits = head(feats["frames"][:, 0], text_features(tiny, tiny.exports[ext]))  # the single test view
    difference = (logits - feats["logits"]).abs().max().item()
    print(f"sfar_head.py vs export-features ({ext} export): max |logit difference| {difference:.3g}")
    assert difference < 1e-4
    assert feats["logits"].std() > 0.1, "the logits differ between videos and classes"

    # `sfar infer` on two videos, from the checkpoint and from the export as model.weights.
    for i in (0, len(feats["videos"]) - 1):
        video = str(tiny.data / feats["videos"][i])
        for args in (["--checkpoint", str(tiny.checkpoint)], ["--set", f"model.weights={tiny.exports[ext]}"]):
            out = last_json(sfar("infer", "-c", str(tiny.config), *args, "--video", video))
            difference = (torch.tensor(out["logits"]) - logits[i]).abs().max().item()
            assert difference < 1e-4, (video, args, difference)


def test_sfar_head_weights_follow_the_export(tiny):
    head = sfar_head.SfarHead.from_export(str(tiny.exports["safetensors"]))
    with pytest.raises(RuntimeError, match="Unexpected key"):  # options override the metadata
        sfar_head.SfarHead.from_export(str(tiny.exports["pt"]), head_type="fine", tau_fine=0.02)
    state = torch.load(tiny.exports["pt"], map_location="cpu", weights_only=True)
    assert torch.equal(head.coarse.w_q.weight, state["sfar_head.coarse.w_q.weight"])
    assert torch.equal(head.logit_scale, state["logit_scale"].reshape(()))
    with pytest.raises(RuntimeError, match="Missing key"):
        sfar_head.SfarHead(32, "sfar", fusion="concat").load_state_dict(
            {k[len("sfar_head."):]: v for k, v in state.items() if k.startswith("sfar_head.")} |
            {"logit_scale": state["logit_scale"]})
