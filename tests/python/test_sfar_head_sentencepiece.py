"""python/sfar_head.py on a CLIP with the quick start's kind of tokenizer (#32): a SentencePiece
model trained by `sfar tokenizer train` (pad 0, unk 1, bos 2, eos 3), where end-of-text is not
the largest id, so the text features must be taken at the eos token's position. open_clip's
CLIP with text pool_type "eos" and eos_id 3 equals `sfar encode-text`; the head's logits equal
`sfar export-features` and `sfar infer` within 1e-4."""

import json

import open_clip
import pytest
import sentencepiece
import torch

import sfar_head
from conftest import EMBED_DIM, NUM_SUBTEXTS, VISION_CFG, class_texts, last_json, sfar, write_config

CONTEXT = 48  # the quick start's text.context_length


@pytest.fixture(scope="module")
def sp_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("sfar_sp")
    data = root / "data"
    sfar("synth", "--preset", "storyboard-tiny", "--out", str(data))
    global_texts, _ = class_texts(data)
    cache = json.loads((data / "descriptions.json").read_text())["classes"]
    sentences = [s for c in cache for candidate in c["candidates"] for s in candidate["sentences"]]
    corpus = root / "corpus.txt"
    corpus.write_text("\n".join(global_texts + sentences) + "\n")
    sfar("tokenizer", "train", "--input", str(corpus), "--out", str(root / "tok"), "--vocab-size", "48")
    tokenizer = root / "tok.model"
    pieces = sentencepiece.SentencePieceProcessor(model_file=str(tokenizer)).get_piece_size()
    torch.manual_seed(4)
    text_cfg = dict(context_length=CONTEXT, vocab_size=pieces, width=64, heads=1, layers=1,
                    pool_type="eos", eos_id=3)
    clip = open_clip.model.CLIP(EMBED_DIM, VISION_CFG, text_cfg, quick_gelu=True).eval()
    clip_path = root / "clip.pt"
    torch.save(clip.state_dict(), clip_path)
    config = write_config(root / "run.yaml", root / "run", data, clip_path, epochs=1)
    text = config.read_text()
    start = text.index("text: {")
    end = text.index("\n", start)
    config.write_text(text[:start] + f"text: {{tokenizer: sentencepiece, vocab: {tokenizer}, context_length: {CONTEXT}}}"
                      + text[end:])
    sfar("train", "-c", str(config))
    checkpoint = root / "run" / "checkpoints" / "best.pt"
    export = root / "export.safetensors"
    sfar("export", "--checkpoint", str(checkpoint), "--out", str(export))
    features = root / "val.pt"
    sfar("export-features", "-c", str(config), "--checkpoint", str(checkpoint), "--list", "val.txt",
         "--out", str(features))
    return dict(root=root, data=data, tokenizer=tokenizer, clip=clip, clip_path=clip_path, config=config,
                checkpoint=checkpoint, export=export, features=features)


def test_open_clip_eos_pooling_equals_sfar_encode_text(sp_run):
    texts = ["a video of a person juggling.", "the hands fold the paper, then unfold it."]
    ids = sfar_head.tokenize_sentencepiece(str(sp_run["tokenizer"]), texts, CONTEXT)
    assert (ids == 3).sum(dim=-1).tolist() == [1, 1]
    lines = sp_run["root"] / "texts.jsonl"
    lines.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    out = sfar("encode-text", "--weights", str(sp_run["clip_path"]), "--activation", "quick_gelu",
               "--tokenizer", "sentencepiece", "--vocab", str(sp_run["tokenizer"]), "--input", str(lines))
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["tokens"] for r in rows] == ids.tolist()
    with torch.no_grad():
        want = sp_run["clip"].encode_text(ids)
    got = torch.tensor([r["embedding"] for r in rows])
    assert (got - want).abs().max().item() < 1e-4


def test_sfar_head_matches_sfar_with_sentencepiece(sp_run):
    feats = torch.load(sp_run["features"], map_location="cpu", weights_only=True)
    state, _ = sfar_head.load_export(str(sp_run["export"]))
    clip = open_clip.model.CLIP(EMBED_DIM, VISION_CFG, dict(
        context_length=CONTEXT, vocab_size=state["token_embedding.weight"].shape[0], width=64, heads=1, layers=1,
        pool_type="eos", eos_id=3), quick_gelu=True).eval()
    clip.load_state_dict(sfar_head.split_export(state)[0], strict=True)
    global_texts, subs = class_texts(sp_run["data"])
    tokenize = lambda texts: sfar_head.tokenize_sentencepiece(str(sp_run["tokenizer"]), texts, CONTEXT)
    global_ids = tokenize(global_texts)
    sub_ids = tokenize([s for row in subs for s in row]).reshape(len(subs), NUM_SUBTEXTS, -1)
    # The case this guards: the largest id is not end-of-text, so argmax pools elsewhere.
    assert not torch.equal(global_ids.argmax(-1), sfar_head.eos_positions(global_ids, 3))
    text = sfar_head.encode_texts(clip, global_ids, sub_ids, eos_id=3)
    head = sfar_head.SfarHead.from_export(str(sp_run["export"]))
    with torch.no_grad():
        logits = head(feats["frames"][:, 0], text)
    difference = (logits - feats["logits"]).abs().max().item()
    print(f"sfar_head.py vs export-features, SentencePiece CLIP: max |logit difference| {difference:.3g}")
    assert difference < 1e-4
    assert feats["logits"].std() > 0.1
    video = str(sp_run["data"] / feats["videos"][0])
    out = last_json(sfar("infer", "-c", str(sp_run["config"]), "--checkpoint", str(sp_run["checkpoint"]),
                         "--video", video))
    assert (torch.tensor(out["logits"]) - logits[0]).abs().max().item() < 1e-4
