"""Helpers of the campaign tests: the small test campaign and checks of a store."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tracklayer.campaign.store import Store

CAMPAIGN = """\
name: test-campaign
description: Small campaign for the tests.
scenario: smoke
seed: 11
repetitions: 2
overrides:
  duration_s: 300
parameters:
  planes:
    path: constellations[0].walker.planes
    values: [3, 4, 0]
  partners:
    path: partners
    values: [[US], [US, JP]]
"""


def stored_runs(folder: Path) -> dict[str, dict]:
    """Per run key: status, seed, error and its metrics as {(row, metric): value}."""
    with Store.open(folder, read_only=True) as store:
        runs = store.runs()
        metrics = store.metrics()
    out = {k: {"status": s, "seed": int(seed), "error": e, "metrics": {}}
           for k, s, seed, e in zip(runs["run_key"].tolist(), runs["status"].tolist(), runs["seed"].tolist(), runs["error"].tolist())}
    for key, row, metric, value in zip(metrics["run_key"].tolist(), metrics["row"].tolist(), metrics["metric"].tolist(), metrics["value"].tolist()):
        out[key]["metrics"][(row, metric)] = value
    return out


def assert_exactly_once(folder: Path, campaign) -> None:
    """Every planned run is stored once, with all its metrics rows, and nothing else is."""
    with Store.open(folder, read_only=True) as store:
        counts = store.query("SELECT count(*) AS n, count(DISTINCT run_key) AS d FROM runs")
        per_run = store.query(
            "SELECT r.run_key, count(m.metric) AS n FROM runs r LEFT JOIN metrics m USING (run_key) WHERE r.status = 'ok' GROUP BY r.run_key"
        )
        keys = set(store.runs()["run_key"].tolist())
    assert int(counts["n"][0]) == int(counts["d"][0]) == len(campaign.runs)
    assert keys == {r.key for r in campaign.runs}
    assert len(set(per_run["n"].tolist())) == 1  # every successful run has the same number of metric rows


def assert_same_results(a: dict[str, dict], b: dict[str, dict], keys=None) -> None:
    """Bit-identical statuses, seeds and metric values (NaN equal to NaN)."""
    keys = set(a) if keys is None else set(keys)
    for key in keys:
        ra, rb = a[key], b[key]
        assert (ra["status"], ra["seed"]) == (rb["status"], rb["seed"]), key
        assert ra["metrics"].keys() == rb["metrics"].keys(), key
        va = np.array(list(ra["metrics"].values()), dtype=np.float64)
        vb = np.array([rb["metrics"][k] for k in ra["metrics"]], dtype=np.float64)
        assert np.array_equal(va, vb, equal_nan=True), key
