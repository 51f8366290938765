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


def synthetic_data(rms_m=(50.0, 60.0, 5000.0), custody=(0.97, 1.0, 0.92), partners=("US", "US+JP")):
    """A campaign in memory: planes (3, 4) x ``partners`` x 3 repetitions, two threats (one
    ballistic, one hgv) whose position RMS and custody take the repetitions' values in turn:
    a skewed RMS and a custody near 100 %, whose t intervals reach past 0 and 100 %."""
    from tracklayer.campaign import analysis as an
    from tracklayer.table import Table

    rows, metrics = [], {k: [] for k in ("run_key", "row", "threat", "kind", "node", "metric", "value")}
    for planes in (3.0, 4.0):
        for mix in partners:
            for rep in range(3):
                key = f"{planes}-{mix}-{rep}"
                rows.append((key, planes, mix, rep))
                for row, (threat, kind) in enumerate((("BM-1", "ballistic"), ("HGV-1", "hgv"))):
                    values = (("custody_fraction", custody[rep]), ("warning_time_s", 300.0 + 20.0 * rep), ("position_rms_m", rms_m[rep]),
                              ("time_to_confirmed_track_s", 30.0 * (rep + 1)))
                    for metric, value in values:
                        for k, v in zip(metrics, (key, row, threat, kind, "joint", metric, value)):
                            metrics[k].append(v)
    keys, planes_, mixes, reps = zip(*rows)
    n = len(keys)
    points = [f"planes={p:g}, partners={m}" for p, m in zip(planes_, mixes)]
    runs = Table({
        "run_key": np.array(keys, dtype=object), "point_key": np.array(points, dtype=object),
        "point_index": np.unique(points, return_inverse=True)[1], "point_label": np.array(points, dtype=object),
        "repetition": np.array(reps), "status": np.full(n, "ok", dtype=object), "error": np.full(n, "", dtype=object),
        "task_s": np.full(n, 1.0), "tracklayer_version": np.full(n, "0", dtype=object),
        "satellites": np.array(planes_) * 7, "radars": np.full(n, 3.0), "planes": np.array(planes_), "partners": np.array(mixes, dtype=object),
    })
    cols = {k: np.array(v, dtype=np.float64 if k == "value" else (np.int64 if k == "row" else object)) for k, v in metrics.items()}
    return an.CampaignData("synthetic", {}, ("planes", "partners"), {"planes": True, "partners": False},
                           {"planes": ["constellations[0].walker.planes"], "partners": ["partners"]}, (), runs, Table(cols))
