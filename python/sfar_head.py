"""SFAR's video head in PyTorch, written from the method's equations (docs/method.md).

A second, independent implementation of the maths sfar's C++ head computes, so that Python
users can run sfar-trained models: it loads an `sfar export` (.pt or .safetensors, see
docs/checkpoint_format.md) and turns CLIP frame embeddings and text token features into SFAR's
class logits.

    head = SfarHead.from_export("model.safetensors")      # head type and options from metadata
    text = encode_texts(clip, global_ids, sub_ids)          # open_clip CLIP + token ids
    logits = head(frames, text)                             # frames [B, T, D] -> [B, C]

Shapes: B videos, T frames, C classes, N sub-texts per class, L token positions, D embedding.
Text features (a `TextFeatures`): global_tokens [C, Lg, D] with global_mask [C, Lg] (True for the
positions from start-of-text to end-of-text), global_embed [C, D] (the end-of-text position),
sub_tokens [C, N, Ls, D] with sub_mask [C, N, Ls].
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

HEAD_PREFIX = "sfar_head."
# sfar's head table (head_types() in src/method/video_head.cpp): each `head.type` name and the
# parts it builds, (temporal transformer, coarse branch, fine branch). Construction reads these
# rows; tests/python/test_head_table.py checks them against the sfar binary's.
HEAD_PARTS = {
    "mean": (False, False, False),
    "temporal": (True, False, False),
    "coarse": (False, True, False),
    "fine": (False, False, True),
    "sfar": (False, True, True),
}
HEAD_TYPES = tuple(name for name, (temporal, _, _) in HEAD_PARTS.items() if not temporal)  # implemented here
RECORD_KEY = "sfar_record"  # safetensors metadata key; in a .pt export, the zip entry RECORD_FILE
RECORD_FILE = "sfar_record.json"


@dataclass
class TextFeatures:
    global_tokens: torch.Tensor
    global_mask: torch.Tensor
    global_embed: torch.Tensor
    sub_tokens: torch.Tensor
    sub_mask: torch.Tensor


def load_export(path: str) -> tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """An `sfar export` file -> (tensors by name, metadata). A .safetensors export's metadata holds
    format, sfar_version, head_type, config and sfar_record; a .pt export's only sfar_record (the
    zip's sfar_record.json), or nothing for one written before sfar recorded it."""
    if path.endswith(".safetensors"):
        from safetensors import safe_open

        with safe_open(path, framework="pt") as f:
            return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata() or {})
    import zipfile

    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.split("/")[-1] == RECORD_FILE]
        metadata = {RECORD_KEY: archive.read(names[0]).decode()} if names else {}
    return torch.load(path, map_location="cpu", weights_only=True), metadata


def export_record(path: str) -> Optional[dict]:
    """How an export says to read it: activation ("quick_gelu": open_clip's quick_gelu=True),
    tokenizer ("clip_bpe" or "sentencepiece") and vocab_sha256, image_size, mean, std, and head
    (the run's head: section as YAML). None for an export without a record."""
    text = load_export(path)[1].get(RECORD_KEY)
    return json.loads(text) if text else None


def split_export(state: Dict[str, torch.Tensor]) -> tuple[Dict[str, torch.Tensor], Dict[str, torch.Tensor]]:
    """(CLIP's tensors under OpenAI's names, the head's tensors without "sfar_head.")."""
    clip = {k: v for k, v in state.items() if not k.startswith(HEAD_PREFIX)}
    head = {k[len(HEAD_PREFIX):]: v for k, v in state.items() if k.startswith(HEAD_PREFIX)}
    return clip, head


def _unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-6)


class ResidualFfn(nn.Module):
    """FFN(x) = x + Linear(GELU(Linear(x)))."""

    def __init__(self, dim: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, dim)
        self.fc2 = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fc2(F.gelu(self.fc1(x)))


class CoarseBranch(nn.Module):
    """Global words attend to all sub-text words of their class, then pick frames word by word."""

    def __init__(self, dim: int, tau: float, residual: bool):
        super().__init__()
        self.w_q = nn.Linear(dim, dim, bias=False)
        self.w_k = nn.Linear(dim, dim, bias=False)
        self.w_v = nn.Linear(dim, dim, bias=False)
        self.tau = tau
        self.residual = residual

    def augmented_words(self, text: TextFeatures) -> torch.Tensor:
        """T^_c = T_c + softmax(Q K^T / sqrt(D)) V over the stacked sub-text words: [C, Lg, D]."""
        C, N, Ls, D = text.sub_tokens.shape
        words = text.sub_tokens.reshape(C, N * Ls, D)
        valid = text.sub_mask.reshape(C, 1, N * Ls)
        q, k, v = self.w_q(text.global_tokens), self.w_k(words), self.w_v(words)
        attention = (q @ k.transpose(1, 2)) / math.sqrt(D)
        attention = attention.masked_fill(~valid, float("-inf")).softmax(dim=-1)
        attended = attention @ v
        return text.global_tokens + attended if self.residual else attended

    def forward(self, frames: torch.Tensor, text: TextFeatures) -> tuple[torch.Tensor, torch.Tensor]:
        """frames [B, T, D] -> (a^coarse [B, C, T], o^coarse [B, C, D])."""
        words = _unit(self.augmented_words(text))  # [C, Lg, D]
        cos = torch.einsum("cwd,btd->bcwt", words, _unit(frames))
        per_word = (cos / self.tau).softmax(dim=-1)  # each word's distribution over frames
        real = text.global_mask.to(per_word.dtype)[None, :, :, None]  # [1, C, Lg, 1]
        a = (per_word * real).sum(dim=2) / real.sum(dim=2)  # mean over the global text's words
        return a, torch.einsum("bct,btd->bcd", a, frames)


def fine_branch(frames: torch.Tensor, text: TextFeatures, tau: float) -> tuple[torch.Tensor, torch.Tensor]:
    """m_{l,n} = mean_s cos(v_l, s); a^fine = softmax_l(max_n m_{l,n} / tau): ([B, C, T], [B, C, D])."""
    cos = torch.einsum("cnsd,btd->bcnst", _unit(text.sub_tokens), _unit(frames))
    real = text.sub_mask.to(cos.dtype)[None, :, :, :, None]  # [1, C, N, Ls, 1]
    m = (cos * real).sum(dim=3) / real.sum(dim=3)  # [B, C, N, T]
    a = (m.max(dim=2).values / tau).softmax(dim=-1)
    return a, torch.einsum("bct,btd->bcd", a, frames)


class SfarHead(nn.Module):
    """SFAR's head (type "sfar") and its ablations "coarse", "fine" and "mean" (no parameters).

    Options as in sfar's `head:` config: tau_coarse, tau_fine, coarse_residual, fusion (sum or
    concat), pooled_ffn ("mean" followed by a residual FFN). The temporal transformer option is
    not implemented here.
    """

    def __init__(self, dim: int, head_type: str = "sfar", tau_coarse: float = 0.01, tau_fine: float = 0.01,
                 coarse_residual: bool = True, fusion: str = "sum", pooled_ffn: bool = False):
        super().__init__()
        if head_type not in HEAD_PARTS:
            raise ValueError(f"head_type: expected one of {tuple(HEAD_PARTS)}, got {head_type!r}")
        temporal, coarse, fine = HEAD_PARTS[head_type]
        if temporal:
            raise NotImplementedError(f"head_type {head_type!r}: the temporal transformer is not implemented here")
        if fusion not in ("sum", "concat"):
            raise ValueError(f"fusion: expected sum or concat, got {fusion!r}")
        self.head_type, self.tau_fine = head_type, tau_fine
        self.pooled = not (coarse or fine)  # no sub-texts: the mean of the frames
        if coarse:
            self.coarse = CoarseBranch(dim, tau_coarse, coarse_residual)
            self.ffn_coarse = ResidualFfn(dim)
        if fine:
            self.ffn_fine = ResidualFfn(dim)
        if coarse and fine and fusion == "concat":
            self.fuse = nn.Linear(2 * dim, dim)
        if self.pooled and pooled_ffn:
            self.ffn_pooled = ResidualFfn(dim)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def video_embeddings(self, frames: torch.Tensor, text: TextFeatures) -> torch.Tensor:
        """frames [B, T, D] -> o_c: [B, C, D] (class-conditioned) or [B, 1, D] for "mean"."""
        if self.pooled:
            pooled = frames.mean(dim=1, keepdim=True)
            return self.ffn_pooled(pooled) if hasattr(self, "ffn_pooled") else pooled
        parts = []
        if hasattr(self, "coarse"):
            parts.append(self.ffn_coarse(self.coarse(frames, text)[1]))
        if hasattr(self, "ffn_fine"):
            parts.append(self.ffn_fine(fine_branch(frames, text, self.tau_fine)[1]))
        if hasattr(self, "fuse"):
            return self.fuse(torch.cat(parts, dim=-1))
        return sum(parts)

    def forward(self, frames: torch.Tensor, text: TextFeatures) -> torch.Tensor:
        """y_c = s * cos(o_c, t_c), s = exp(logit_scale) capped at 100: frames [B, T, D] -> [B, C]."""
        o = _unit(self.video_embeddings(frames, text))
        t = _unit(text.global_embed)[None]  # [1, C, D]
        return self.logit_scale.exp().clamp(max=100.0) * (o * t).sum(dim=-1)

    @classmethod
    def from_export(cls, path: str, **options) -> "SfarHead":
        """The head of an `sfar export`, its logit scale included. Head type and options come
        from the export's record (or a .safetensors export's run config) unless given; an old .pt
        export without a record needs them when they differ from the defaults."""
        state, metadata = load_export(path)
        _, head_state = split_export(state)
        config = _head_config(metadata)
        config.update(options)
        head_type = config.pop("head_type", None) or config.pop("type", metadata.get("head_type", "sfar"))
        config.pop("type", None)
        unsupported = {"temporal", "temporal_layers", "max_frames"}
        if config.get("temporal") or any(k.startswith("temporal.") for k in head_state):
            raise NotImplementedError(f"{path}: the temporal transformer option is not implemented in sfar_head.py")
        dim = state["text_projection"].shape[1]  # CLIP's embedding size D
        head = cls(dim, head_type, **{k: v for k, v in config.items() if k not in unsupported})
        head_state = dict(head_state, logit_scale=state["logit_scale"].reshape(()))
        head.load_state_dict(head_state, strict=True)
        return head.eval()


def _head_config(metadata: Dict[str, str]) -> dict:
    """The run's `head:` mapping: from the export's record, else from the run config in a
    .safetensors export's metadata ({} when neither is there)."""
    import yaml

    if metadata.get(RECORD_KEY):
        return dict(yaml.safe_load(json.loads(metadata[RECORD_KEY])["head"]) or {})
    text = metadata.get("config", "")
    if not text:
        return {}
    config = yaml.safe_load(text) or {}
    return dict(config.get("head") or {})


CLIP_BPE_EOS_ID = 49407  # CLIP's BPE: "<|endoftext|>", the largest id


def tokenize_sentencepiece(model_file: str, texts, context_length: int) -> torch.Tensor:
    """Token ids as sfar makes them with a SentencePiece model (text.tokenizer: sentencepiece):
    [bos] + pieces + [eos], cut to context_length with eos kept last, zero-padded: [len(texts), L].
    The model's bos and eos ids are its own (the quick start's: bos 2, eos 3, pad 0)."""
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_file=model_file)
    bos, eos = processor.bos_id(), processor.eos_id()
    if bos < 0 or eos < 0:
        raise ValueError(f"{model_file}: the SentencePiece model has no bos/eos piece")
    ids = torch.zeros(len(texts), context_length, dtype=torch.long)
    for row, text in enumerate(texts):
        tokens = ([bos] + processor.encode(text) + [eos])[:context_length]
        tokens[-1] = eos
        ids[row, :len(tokens)] = torch.tensor(tokens)
    return ids


def eos_positions(ids: torch.Tensor, eos_id: int) -> torch.Tensor:
    """The position of each row's first end-of-text token; ValueError for a row without one."""
    is_eos = ids == eos_id
    missing = ~is_eos.any(dim=-1)
    if missing.any():
        raise ValueError(f"{int(missing.sum())} token rows have no end-of-text id {eos_id}: "
                         "pass the tokenizer's eos id (SentencePiece: processor.eos_id())")
    return is_eos.int().argmax(dim=-1)


@torch.no_grad()
def encode_texts(clip: nn.Module, global_ids: torch.Tensor, sub_ids: torch.Tensor,
                 eos_id: int = CLIP_BPE_EOS_ID) -> TextFeatures:
    """Token features of an open_clip `CLIP` (OpenAI layout): global_ids [C, L], sub_ids [C, N, L]
    token ids (zeros after end-of-text) -> TextFeatures, trimmed to the longest text, padding
    zeroed. The end-of-text token is found by its id, `eos_id`: CLIP's BPE 49407 (the default),
    a SentencePiece model's eos_id() otherwise (3 for the quick start's)."""

    def encode(ids: torch.Tensor):
        x = clip.token_embedding(ids) + clip.positional_embedding
        x = clip.ln_final(clip.transformer(x, attn_mask=clip.attn_mask)) @ clip.text_projection
        end = eos_positions(ids, eos_id)
        longest = int(end.max()) + 1
        mask = torch.arange(longest)[None] <= end[:, None]
        tokens = x[:, :longest] * mask[..., None].to(x.dtype)
        return tokens, mask, x[torch.arange(len(ids)), end]

    C, N, L = sub_ids.shape
    g_tokens, g_mask, g_embed = encode(global_ids)
    s_tokens, s_mask, _ = encode(sub_ids.reshape(C * N, L))
    return TextFeatures(g_tokens, g_mask, g_embed, s_tokens.reshape(C, N, *s_tokens.shape[1:]),
                        s_mask.reshape(C, N, -1))


def features_metadata(path: str) -> dict:
    """The video ids and class names of an export-features .safetensors file."""
    from safetensors import safe_open

    with safe_open(path, framework="pt") as f:
        meta = f.metadata() or {}
    return {k: json.loads(meta[k]) for k in ("videos", "class_names") if k in meta}
