"""`sfar encode-image` preprocesses as open_clip does (#32, bicubic resize of the short side on a
PIL image, centre crop), on non-square frames too: features within 1e-4 of open_clip's own
pipeline, computed here. A CLIP at 224 px (one layer, patches of 32) so that a video-sized frame
is resized by a factor near 1, where LibTorch's antialiased bicubic and Pillow's differ most."""

import json

import numpy as np
import open_clip
import pytest
import torch
from PIL import Image

from conftest import EMBED_DIM, TEXT_CFG, sfar

VISION = dict(layers=1, width=64, patch_size=32, image_size=224, head_width=64)


@pytest.mark.parametrize("size", [(426, 238), (238, 426), (640, 480), (101, 57), (224, 224)])
def test_encode_image_matches_open_clip_preprocessing(tmp_path, size):
    torch.manual_seed(21)
    model = open_clip.model.CLIP(EMBED_DIM, VISION, TEXT_CFG, quick_gelu=True).eval()
    weights = tmp_path / "clip.pt"
    torch.save(model.state_dict(), weights)
    rng = np.random.default_rng(sum(size))
    # A smooth picture with texture, as a video frame: gradients plus noise.
    y, x = np.mgrid[0:size[1], 0:size[0]]
    base = np.stack([x * 255 / size[0], y * 255 / size[1], (x + y) % 97 * 2.6], -1)
    pixels = np.clip(base + rng.normal(0, 25, base.shape), 0, 255).astype(np.uint8)
    image = tmp_path / "frame.png"
    Image.fromarray(pixels).save(image)

    out = sfar("encode-image", "--weights", str(weights), "--activation", "quick_gelu", str(image))
    got = torch.tensor(json.loads(out.stdout.splitlines()[-1])["embedding"])
    preprocess = open_clip.image_transform(VISION["image_size"], is_train=False)
    with torch.no_grad():
        want = model.encode_image(preprocess(Image.open(image))[None])[0]
    difference = (got - want).abs().max().item()
    print(f"{size[0]}x{size[1]}: max |feature difference| {difference:.3g}")
    assert difference < 1e-4
