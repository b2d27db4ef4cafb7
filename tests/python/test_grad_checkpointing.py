"""`model.grad_checkpointing` end to end through the binary: `sfar bench train` (the Trainer's full
step: forward, InfoNCE, backward, AdamW) on a small random CLIP gives the same losses with and
without it, and reports the switch. Gradient equality itself is tested in C++
(tests/models/block_checkpoint_test.cpp)."""

from pathlib import Path

from conftest import last_json, sfar

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "k400" / "sfar_vit_b16.yaml"


def bench(checkpointing: bool) -> dict:
    return last_json(sfar("bench", "train", "-c", str(CONFIG), "--set", f"model.grad_checkpointing={str(checkpointing).lower()}",
                          "--set", "run.device=cpu", "--width", "64", "--layers", "2", "--resolution", "32",
                          "--patch", "8", "--embed-dim", "64", "--text-width", "64", "--text-layers", "1",
                          "--batch", "2", "--frames", "2", "--classes", "4", "--steps", "3", "--warmup", "1",
                          "--matmul-size", "0", "--threads", "1", "--json"))


def test_same_training_with_and_without_checkpointing():
    plain, checkpointed = bench(False), bench(True)
    assert plain["grad_checkpointing"] is False and checkpointed["grad_checkpointing"] is True
    # Four AdamW steps from the same seed: the last loss depends on every earlier gradient.
    assert abs(plain["last_loss"] - checkpointed["last_loss"]) <= 1e-5 * abs(plain["last_loss"])
