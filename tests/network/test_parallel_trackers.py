"""The nodes' trackers in forked processes give the same tables as one after another."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tracklayer import api
from tracklayer.network.run import parallel_jobs
from tracklayer.pipeline import run_pipeline, simulate

NETWORKED = Path(__file__).parents[1] / "viewer" / "networked.yaml"


def _same(a, b) -> None:
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        x, y = np.asarray(a[c]), np.asarray(b[c])
        if x.dtype == object:
            assert x.tolist() == y.tolist(), c
        else:
            np.testing.assert_array_equal(x, y, err_msg=c)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="trackers run in parallel only where processes fork")
def test_parallel_trackers_are_bit_identical_to_serial():
    scn = api.load_scenario(NETWORKED)
    physics = simulate(scn, scn.seed, lambda *a, **k: None, {})
    serial = run_pipeline(scn, scn.seed, physics=physics, jobs=1)
    ticks: list[tuple[int, int]] = []
    parallel = run_pipeline(scn, scn.seed, physics=physics, jobs=2, progress=lambda stage, d, n: ticks.append((d, n)) if stage == "tracking" else None)
    assert len(serial.state.network.nodes) > 2
    for name in ("tracks", "metrics", "links", "detections"):
        _same(getattr(serial, name), getattr(parallel, name))
    assert ticks[-1][0] == ticks[-1][1] > 0  # progress reaches the end


def test_parallel_jobs_fall_back_to_one_where_it_cannot_pay():
    assert parallel_jobs(1, 5) == 1 and parallel_jobs(4, 1) == 1
    assert parallel_jobs(8, 3) == (3 if sys.platform.startswith("linux") else 1)
