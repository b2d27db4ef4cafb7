"""python/sfar_head.py's head table (HEAD_PARTS) against sfar's (head_types() in
src/method/video_head.cpp), read from the sfar binary: the same head.type names, in the same
order, and per name the same parts (the temporal transformer, coarse and fine branches that
`sfar info --flops` counts) and the same number of head parameters, for both fusions and with
and without pooled_ffn. A head type added to sfar and not to sfar_head.py fails here."""

import re

import open_clip
import pytest
import torch

import sfar_head
from conftest import VOCAB, last_json, sfar

EMBED_DIM = 64  # the temporal transformer needs a multiple of 64
VISION = dict(layers=1, width=64, patch_size=16, image_size=32, head_width=64)
TEXT = dict(context_length=77, vocab_size=49408, width=64, heads=1, layers=1)
PART_NAMES = ("temporal transformer", "head: coarse branch + FFN", "head: fine branch + FFN")


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("head_table")
    torch.manual_seed(0)
    clip = open_clip.model.CLIP(EMBED_DIM, VISION, TEXT, quick_gelu=True)
    torch.save(dict(clip.state_dict()), tmp / "clip.pt")
    path = tmp / "run.yaml"
    path.write_text(f"""run: {{name: heads, work_dir: {tmp / 'run'}, device: cpu}}
model: {{arch: auto, weights: {tmp / 'clip.pt'}, activation: quick_gelu}}
text: {{vocab: {VOCAB}}}
head: {{temporal_layers: 1}}
descriptions: {{cache: descriptions.json, num_subtexts: 2}}  # named, never read
data: {{root: {tmp}, list: train.txt, num_frames: 3}}
""")
    return path


def info(config, *overrides, check=True):
    sets = [arg for override in overrides for arg in ("--set", override)]
    return sfar("info", "--config", str(config), "--flops", "--json", "--classes", "3", "--text-tokens", "5", *sets,
                check=check)


def sfar_head_types(config):
    """head.type's names as sfar lists them when it rejects an unknown one."""
    result = info(config, "head.type=no_such_head", check=False)
    assert result.returncode != 0, result.stdout
    match = re.search(r"expected one of: (.*), got \"no_such_head\"", result.stderr)
    assert match, result.stderr
    return match.group(1).split(", ")


def test_the_names_are_sfars(config):
    assert list(sfar_head.HEAD_PARTS) == sfar_head_types(config)


@pytest.mark.parametrize("fusion,pooled_ffn", [("sum", False), ("concat", True)])
def test_each_head_builds_sfars_parts(config, fusion, pooled_ffn):
    for name in sfar_head_types(config):
        out = last_json(info(config, f"head.type={name}", f"head.fusion={fusion}",
                             f"head.pooled_ffn={str(pooled_ffn).lower()}"))
        counted = {part["name"] for part in out["flops_per_view"]["parts"]}
        assert sfar_head.HEAD_PARTS[name] == tuple(part in counted for part in PART_NAMES), name
        if sfar_head.HEAD_PARTS[name][0]:  # the temporal transformer: refused by name, never skipped
            with pytest.raises(NotImplementedError, match=name):
                sfar_head.SfarHead(EMBED_DIM, name)
            continue
        head = sfar_head.SfarHead(EMBED_DIM, name, fusion=fusion, pooled_ffn=pooled_ffn)
        params = sum(p.numel() for n, p in head.named_parameters() if n != "logit_scale")
        assert params == out["parameters"]["head"], name


def test_an_unknown_head_type_is_refused():
    with pytest.raises(ValueError, match="no_such_head"):
        sfar_head.SfarHead(EMBED_DIM, "no_such_head")
