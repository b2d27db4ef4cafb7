"""`sfar info --config C --flops` against an independent count: PyTorch's FlopCounterMode run on
open_clip's own image tower (and transformer, for the temporal one) of the same architecture,
on random weights. Both count matrix products at 2 FLOPs per multiply-add. The SFAR head's
share is left to sfar's formula: FlopCounterMode would also count its text-side attention,
which sfar reports once per class set, not per view."""

import open_clip
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from conftest import VOCAB, last_json, sfar

FRAMES = 3
VISION = dict(layers=2, width=128, patch_size=8, image_size=64, head_width=64)  # 8 x 8 patches + class token
TEXT = dict(context_length=77, vocab_size=49408, width=64, heads=1, layers=1)
EMBED_DIM = 64  # the temporal transformer needs a multiple of 64


def counted_flops(module: torch.nn.Module, x: torch.Tensor) -> int:
    # With gradients enabled nn.MultiheadAttention takes its plain path (linear layers and
    # scaled_dot_product_attention), and the math kernel writes attention out as matrix products:
    # FlopCounterMode does not count the fused CPU attention kernel at all.
    with torch.enable_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        module(x)
    return counter.get_total_flops()


def info(tmp_path, clip_path, temporal: bool) -> dict:
    config = tmp_path / "run.yaml"
    config.write_text(f"""run: {{name: flops, work_dir: {tmp_path / 'run'}, device: cpu}}
model: {{arch: auto, weights: {clip_path}, activation: quick_gelu}}
text: {{vocab: {VOCAB}}}
head: {{type: sfar, temporal: {str(temporal).lower()}, temporal_layers: 2}}
descriptions: {{cache: descriptions.json, num_subtexts: 2}}  # named, never read
data: {{root: {tmp_path}, list: train.txt, num_frames: {FRAMES}}}
""")
    return last_json(sfar("info", "--config", str(config), "--flops", "--json", "--classes", "5",
                          "--text-tokens", "7"))


def test_image_tower_and_temporal_flops_match_flop_counter(tmp_path):
    torch.manual_seed(0)
    model = open_clip.model.CLIP(EMBED_DIM, VISION, TEXT, quick_gelu=True).eval()
    clip_path = tmp_path / "clip.pt"
    torch.save(dict(model.state_dict()), clip_path)
    out = info(tmp_path, clip_path, temporal=True)
    parts = {p["name"]: p["gflops"] * 1e9 for p in out["flops_per_view"]["parts"]}

    images = torch.randn(FRAMES, 3, VISION["image_size"], VISION["image_size"])
    expected_tower = counted_flops(model.visual, images)
    sfar_tower = sum(v for k, v in parts.items() if k.startswith("image tower:"))
    assert abs(sfar_tower - expected_tower) <= 1e-9 * expected_tower, (sfar_tower, expected_tower)

    temporal = open_clip.transformer.Transformer(EMBED_DIM, 2, EMBED_DIM // 64, batch_first=True)
    expected_temporal = counted_flops(temporal, torch.randn(1, FRAMES, EMBED_DIM))
    assert abs(parts["temporal transformer"] - expected_temporal) <= 1e-9 * expected_temporal

    # The total is the sum of its parts; parameters are those of the built model.
    assert abs(out["flops_per_view"]["gflops"] * 1e9 - sum(parts.values())) <= 1e-6 * sum(parts.values())
    p = out["parameters"]
    assert p["image_tower"] == sum(t.numel() for t in model.visual.parameters())
    assert p["all"] == sum(t.numel() for t in model.parameters()) + p["head"]
    assert p["without_text_tower"] == p["image_tower"] + p["head"] + 1  # + the logit scale


def test_without_temporal_transformer_no_temporal_part(tmp_path):
    torch.manual_seed(1)
    model = open_clip.model.CLIP(EMBED_DIM, VISION, TEXT, quick_gelu=True)
    clip_path = tmp_path / "clip.pt"
    torch.save(dict(model.state_dict()), clip_path)
    out = info(tmp_path, clip_path, temporal=False)
    names = [p["name"] for p in out["flops_per_view"]["parts"]]
    assert "temporal transformer" not in names
    assert out["view"] == {"frames": FRAMES, "classes": 5, "text_tokens": 7, "subtexts": 2, "crops": 1, "clips": 1}
