"""The TensorBoard event file of a run, read by the tensorboard package's own reader, holds every
scalar of metrics.jsonl (train/<key>, eval/<key>) at its step, and nothing else."""

import json
import math

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

BOOKKEEPING = {"kind", "step", "epoch"}


def expected_scalars(metrics_path):
    """{(tag, step): value} for every number of metrics.jsonl (nulls are NaN/inf, never logged)."""
    expected = {}
    for line in metrics_path.read_text().splitlines():
        row = json.loads(line)
        for key, value in row.items():
            if key in BOOKKEEPING or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            expected[(f"{row['kind']}/{key}", row["step"])] = value
    return expected


def test_tensorboard_reads_every_scalar_of_metrics_jsonl(tiny):
    events = sorted(tiny.run.glob("events.out.tfevents.*"))
    assert len(events) == 1, events
    reader = EventAccumulator(str(events[0]), size_guidance={"scalars": 0})  # 0: keep every event
    reader.Reload()
    expected = expected_scalars(tiny.run / "metrics.jsonl")
    kinds = {tag.split("/")[0] for tag, _ in expected}
    assert kinds == {"train", "eval"}, kinds
    assert set(reader.Tags()["scalars"]) == {tag for tag, _ in expected}
    for tag in reader.Tags()["scalars"]:
        logged = {e.step: e.value for e in reader.Scalars(tag)}
        wanted = {step: value for (t, step), value in expected.items() if t == tag}
        assert sorted(logged) == sorted(wanted), tag
        for step, value in wanted.items():
            # TensorBoard's simple_value is a float32.
            assert logged[step] == pytest.approx(float(np.float32(value)), rel=1e-6, abs=1e-30), (tag, step)
    steps = sorted({step for _, step in expected})
    assert steps[0] == 1 and not any(math.isnan(v) for v in expected.values())
