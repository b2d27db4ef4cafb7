#!/usr/bin/env python3
"""Makes the reference files of sfar's default test suite, from packages of the project's
environment only (torch, open_clip, safetensors, numpy, Pillow) and the ffmpeg command.

Usage: make_references.py --out DIR

Writes under DIR:
  clip/bpe_simple_vocab_16e6.txt.gz   CLIP's BPE vocabulary, copied from open_clip's package
  clip/tokenizer_golden.jsonl         {"text", "ids"} per line: open_clip's SimpleTokenizer.encode
  clip/<arch>/openai.pt               random seeded weights, torch.save state_dict, OpenAI's names
  clip/<arch>/model.safetensors       the same weights in Hugging Face CLIPModel's layout
  clip/<arch>/config.json             beside it, as on the Hub: the towers' hidden_act
  clip/<arch>/image_<i>.png           random RGB images at the model's resolution
  clip/<arch>/images.safetensors      the same pixels, uint8 [N, H, W, 3] "images": what a binary
                                      without image codecs reads (the GPU check's pack)
  clip/<arch>/golden.json             config, texts, tokens, features and logits from open_clip
  clip/vit_tiny/openai_torchscript.pt the vit_tiny weights as a TorchScript archive laid out like
                                      OpenAI's releases (fp16/fp32 mix, scalar buffers)
  videos/*                            clips that ffmpeg encodes in several containers and codecs
  manifest.json                       what was made (for a reader that wants to list it)

Every number comes from a fixed seed, so the files are the same on every run with the same
package versions. The C++ tests compare sfar's outputs with these to 1e-4.
"""
import argparse
import gzip
import html
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

import open_clip
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg
from open_clip.tokenizer import SimpleTokenizer, tokenize

# Parameters that OpenAI's convert_weights leaves in fp16 (Linear, Conv, attention, projections).
FP16_IN_RELEASES = ("attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias",
                    "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias",
                    "visual.conv1.weight", "visual.proj", "text_projection")

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

# Tiny OpenAI-style CLIPs (QuickGELU ViTs, heads = width / 64 as in OpenAI's model.py).
# vit_tiny has the shape of the shared golden model; the training tests use it as their CLIP.
# vit_tiny_gelu: vit_tiny's shapes with exact GELU, as open_clip's models without -quickgelu
# (LAION, DataComp), whose state_dicts look exactly like OpenAI's.
# vit_b16_layout: OpenAI ViT-B/16's layout (patch 16, 224 px, width 768 with 12 heads; text width
# 512 with 8 heads, the full vocabulary) but 2 + 1 layers instead of 12 + 12: the loader infers
# the depth from the names, and 12 + 12 random fp32 layers would be ~600 MB. State_dict only.
ARCHS = {
    "vit_tiny": dict(embed_dim=64, image=64, patch=16, vision_width=128, vision_layers=2,
                     text_width=128, text_layers=2, seed=1),
    "vit_narrow": dict(embed_dim=32, image=32, patch=8, vision_width=64, vision_layers=1,
                       text_width=64, text_layers=3, seed=2),
    "vit_wide": dict(embed_dim=96, image=48, patch=12, vision_width=192, vision_layers=3,
                     text_width=192, text_layers=1, seed=3),
    "vit_tiny_gelu": dict(embed_dim=64, image=64, patch=16, vision_width=128, vision_layers=2,
                          text_width=128, text_layers=2, seed=4, activation="gelu"),
    "vit_b16_layout": dict(embed_dim=512, image=224, patch=16, vision_width=768, vision_layers=2,
                           text_width=512, text_layers=1, seed=5, state_dict_only=True),
}

TEXTS = [
    "a photo of a dog",
    "a photo of pushing something from left to right",
    "This action is a person lifting a barbell over the head",
    "Sliding [something] across a table",
    "a person juggles three balls, then catches them one by one",
]

# Texts for the tokenizer golden: casing, punctuation, contractions, numbers, whitespace runs and
# several scripts. Texts that ftfy or html.unescape would change are dropped: sfar's tokenizer
# implements neither, and users' class names do not need them.
TOKENIZER_TEXTS = [
    "a photo of a dog", "A Photo Of A DOG", "pushing something from left to right",
    "don't, won't, he'll, she's, we've, I'd, they're", "it's 2024: 3.14159 and 1,000,000 clips",
    "   leading and trailing   spaces   ", "tabs\tand\nnewlines\r\nmixed", "hyphen-ated and under_scored",
    "Sliding [something] across (a) table {twice}", "question? exclamation! semicolon; colon:",
    "e-mail: someone@example.com, url https://example.org/path?q=1", "#hashtag @mention $100 50% ^caret*",
    "café naïve résumé coöperate", "日本語のテキスト", "中文文本测试", "한국어 텍스트", "ελληνικά κείμενα",
    "русский текст", "emoji 😀🎉 test", "ﬁne ligature", "ＦＵＬＬ width", "x" * 60, "supercalifragilisticexpialidocious",
    "abseiling", "air drumming", "answering questions", "applauding", "applying cream", "archery",
    "arm wrestling", "arranging flowers", "assembling computer", "auctioning", "baby waking up",
    "Back+15som+05Twis+FREE", "Attaching something to something", "Putting [something] onto [something]",
    "brush_hair", "ApplyEyeMakeup", "YoYo", "the person moves left, then flashes, then moves up",
    "A man is kicking a ball.", "Two people are shaking hands!!!", "...ellipsis...", "'quoted' \"double\"",
    "numbers 0 1 2 3 4 5 6 7 8 9 10 100 1000", "mixed123letters456", "UPPER lower MiXeD",
]


def tokenizer_texts():
    import ftfy
    kept = []
    for text in TOKENIZER_TEXTS:
        if ftfy.fix_text(text) == text and html.unescape(html.unescape(text)) == text:
            kept.append(text)
    return kept


def activation(cfg):
    return cfg.get("activation", "quick_gelu")


def hf_config(cfg):
    """The part of a Hub CLIPModel config.json that says which activation the towers use."""
    act = activation(cfg)
    return {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": cfg["embed_dim"],
            "text_config": {"hidden_act": act, "hidden_size": cfg["text_width"]},
            "vision_config": {"hidden_act": act, "hidden_size": cfg["vision_width"]}}


def perturbed_clip(cfg):
    """An open_clip CLIP with OpenAI's architecture; every weight random, none left at 0 or 1."""
    torch.manual_seed(cfg["seed"])
    model = CLIP(
        cfg["embed_dim"],
        CLIPVisionCfg(layers=cfg["vision_layers"], width=cfg["vision_width"], patch_size=cfg["patch"],
                      image_size=cfg["image"], head_width=64),
        CLIPTextCfg(context_length=77, vocab_size=49408, width=cfg["text_width"], heads=cfg["text_width"] // 64,
                    layers=cfg["text_layers"]),
        quick_gelu=activation(cfg) == "quick_gelu")
    # open_clip's GELU is torch.nn.GELU's exact (erf) form: what sfar's `gelu` computes.
    act = model.visual.transformer.resblocks[0].mlp.gelu
    if activation(cfg) == "quick_gelu":
        assert type(act).__name__ == "QuickGELU", act
    else:
        assert isinstance(act, torch.nn.GELU) and act.approximate == "none", act
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "logit_scale":
                p.fill_(math.log(1 / 0.07))
            else:
                p.add_(torch.randn_like(p) * 0.02)
            # OpenAI's releases keep these in fp16: round them once, so that every file below
            # (fp32 state dict, safetensors, fp16/fp32 TorchScript) holds exactly the same values.
            if name.endswith(FP16_IN_RELEASES):
                p.copy_(p.half().float())
    return model.eval()


def hf_state_dict(sd, cfg):
    """OpenAI's names -> Hugging Face CLIPModel's (q/k/v split, projections as Linear weights)."""
    out = {}

    def tower(prefix_in, prefix_out, layers):
        for i in range(layers):
            src = f"{prefix_in}transformer.resblocks.{i}."
            dst = f"{prefix_out}encoder.layers.{i}."
            for kind in ("weight", "bias"):
                q, k, v = sd[src + "attn.in_proj_" + kind].chunk(3, dim=0)
                out[dst + "self_attn.q_proj." + kind] = q
                out[dst + "self_attn.k_proj." + kind] = k
                out[dst + "self_attn.v_proj." + kind] = v
                out[dst + "self_attn.out_proj." + kind] = sd[src + "attn.out_proj." + kind]
                out[dst + "layer_norm1." + kind] = sd[src + "ln_1." + kind]
                out[dst + "layer_norm2." + kind] = sd[src + "ln_2." + kind]
                out[dst + "mlp.fc1." + kind] = sd[src + "mlp.c_fc." + kind]
                out[dst + "mlp.fc2." + kind] = sd[src + "mlp.c_proj." + kind]

    tower("", "text_model.", cfg["text_layers"])
    tower("visual.", "vision_model.", cfg["vision_layers"])
    out["text_model.embeddings.token_embedding.weight"] = sd["token_embedding.weight"]
    out["text_model.embeddings.position_embedding.weight"] = sd["positional_embedding"]
    out["text_model.embeddings.position_ids"] = torch.arange(77).unsqueeze(0)
    for kind in ("weight", "bias"):
        out["text_model.final_layer_norm." + kind] = sd["ln_final." + kind]
        out["vision_model.pre_layrnorm." + kind] = sd["visual.ln_pre." + kind]
        out["vision_model.post_layernorm." + kind] = sd["visual.ln_post." + kind]
    out["text_projection.weight"] = sd["text_projection"].t()
    out["visual_projection.weight"] = sd["visual.proj"].t()
    out["vision_model.embeddings.class_embedding"] = sd["visual.class_embedding"]
    out["vision_model.embeddings.patch_embedding.weight"] = sd["visual.conv1.weight"]
    positions = sd["visual.positional_embedding"]
    out["vision_model.embeddings.position_embedding.weight"] = positions
    out["vision_model.embeddings.position_ids"] = torch.arange(positions.shape[0]).unsqueeze(0)
    out["logit_scale"] = sd["logit_scale"]
    return {k: v.contiguous() for k, v in out.items()}


def torchscript_release(sd, cfg, path):
    """A TorchScript archive with OpenAI's parameter names, fp16 where OpenAI's convert_weights
    leaves fp16 (Linear, Conv, attention weights, proj, text_projection) and the scalar buffers."""
    class Holder(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    root = Holder()
    for name, tensor in sd.items():
        *parents, leaf = name.split(".")
        module = root
        for part in parents:
            if not hasattr(module, part):
                module.add_module(part, Holder())
            module = getattr(module, part)
        value = tensor.half() if name.endswith(FP16_IN_RELEASES) else tensor.float()
        module.register_parameter(leaf, torch.nn.Parameter(value.clone(), requires_grad=False))
    root.register_buffer("input_resolution", torch.tensor(cfg["image"]))
    root.register_buffer("context_length", torch.tensor(77))
    root.register_buffer("vocab_size", torch.tensor(49408))
    torch.jit.save(torch.jit.script(root), path)


def normalised_image(path):
    pixels = torch.from_numpy(np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0)
    x = pixels.permute(2, 0, 1)
    return (x - torch.tensor(CLIP_MEAN).view(3, 1, 1)) / torch.tensor(CLIP_STD).view(3, 1, 1)


def make_clip(out_dir, name, cfg):
    from safetensors.torch import save_file

    model = perturbed_clip(cfg)
    arch_dir = os.path.join(out_dir, "clip", name)
    os.makedirs(arch_dir, exist_ok=True)
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    torch.save(sd, os.path.join(arch_dir, "openai.pt"))
    if not cfg.get("state_dict_only"):
        save_file(hf_state_dict(sd, cfg), os.path.join(arch_dir, "model.safetensors"), metadata={"format": "pt"})
        with open(os.path.join(arch_dir, "config.json"), "w") as f:
            json.dump(hf_config(cfg), f, indent=1)
    if name == "vit_tiny":
        torchscript_release(sd, cfg, os.path.join(arch_dir, "openai_torchscript.pt"))

    rng = np.random.default_rng(cfg["seed"])
    images, all_pixels = [], []
    for i in range(3):
        file = f"image_{i}.png"
        pixels = rng.integers(0, 256, size=(cfg["image"], cfg["image"], 3), dtype=np.uint8)
        Image.fromarray(pixels, "RGB").save(os.path.join(arch_dir, file))
        images.append(file)
        all_pixels.append(pixels)
    save_file({"images": torch.from_numpy(np.stack(all_pixels))}, os.path.join(arch_dir, "images.safetensors"))
    image_batch = torch.stack([normalised_image(os.path.join(arch_dir, f)) for f in images])
    tokens = tokenize(TEXTS, context_length=77)
    with torch.no_grad():
        image_features = model.encode_image(image_batch)
        text_features = model.encode_text(tokens)
        a = image_features / image_features.norm(dim=-1, keepdim=True)
        b = text_features / text_features.norm(dim=-1, keepdim=True)
        logits = model.logit_scale.exp() * a @ b.t()
    golden = {
        "config": {
            "embed_dim": cfg["embed_dim"], "image_resolution": cfg["image"],
            "vision_layers": cfg["vision_layers"], "vision_width": cfg["vision_width"],
            "vision_patch_size": cfg["patch"], "context_length": 77, "vocab_size": 49408,
            "transformer_width": cfg["text_width"], "transformer_heads": cfg["text_width"] // 64,
            "transformer_layers": cfg["text_layers"], "activation": activation(cfg),
        },
        "images": images,
        "texts": TEXTS,
        "text_tokens": tokens.tolist(),
        "image_features": image_features.tolist(),
        "text_features": text_features.tolist(),
        "logits_per_image": logits.tolist(),
        "param_count": sum(p.numel() for p in model.parameters()),
        "made_by": f"open_clip {open_clip.__version__}, torch {torch.__version__}",
    }
    with open(os.path.join(arch_dir, "golden.json"), "w") as f:
        json.dump(golden, f)


def make_vocabulary(out_dir):
    source = os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz")
    os.makedirs(os.path.join(out_dir, "clip"), exist_ok=True)
    shutil.copyfile(source, os.path.join(out_dir, "clip", "bpe_simple_vocab_16e6.txt.gz"))
    tokenizer = SimpleTokenizer()
    with open(os.path.join(out_dir, "clip", "tokenizer_golden.jsonl"), "w", encoding="utf-8") as f:
        for text in tokenizer_texts():
            f.write(json.dumps({"text": text, "ids": tokenizer.encode(text)}, ensure_ascii=False) + "\n")


# name: (ffmpeg arguments after the inputs, size, fps, frames). Several key frames each, so that
# random access seeks. Sources are ffmpeg's own test patterns, with moving content.
VIDEOS = {
    "h264_28fps.mp4": (["-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-bf", "2"], "340x256", 28, 280),
    "h264_30fps.mp4": (["-c:v", "libx264", "-preset", "veryfast", "-g", "75", "-bf", "2"], "340x256", 30, 300),
    # MP3 from libshine: with libmp3lame's padding, ffmpeg's AVI muxer declares one video frame
    # more in the header than the file holds, which sfar's reader rightly calls truncated.
    "mpeg4_mp3.avi": (["-c:v", "mpeg4", "-q:v", "5", "-g", "40", "-bf", "0", "-c:a", "libshine", "-b:a", "64k"],
                      "320x240", 25, 164),
    "h264_1080p.avi": (["-c:v", "libx264", "-preset", "ultrafast", "-g", "30"], "1920x1080", 30, 103),
    "vp9_28fps.webm": (["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k",
                        "-g", "70"], "340x256", 28, 280),
}


def make_videos(out_dir):
    os.makedirs(os.path.join(out_dir, "videos"), exist_ok=True)
    for name, (codec_args, size, fps, frames) in VIDEOS.items():
        path = os.path.join(out_dir, "videos", name)
        inputs = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}"]
        if "-c:a" in codec_args:  # a tone as long as the video
            inputs += ["-f", "lavfi", "-t", f"{frames / fps:.3f}", "-i", "sine=frequency=440:sample_rate=44100"]
        command = (["ffmpeg", "-nostdin", "-loglevel", "error", "-y"] + inputs +
                   ["-frames:v", str(frames), "-pix_fmt", "yuv420p"] + codec_args + [path])
        subprocess.run(command, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    make_vocabulary(args.out)
    for name, cfg in ARCHS.items():
        make_clip(args.out, name, cfg)
    make_videos(args.out)
    manifest = {"archs": list(ARCHS), "videos": {k: {"size": v[1], "fps": v[2], "frames": v[3]}
                                                 for k, v in VIDEOS.items()}}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"make_references: wrote {args.out}")


if __name__ == "__main__":
    sys.exit(main())
