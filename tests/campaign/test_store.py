"""The results store: whole runs only (a failing commit leaves nothing behind), new
metric columns need no schema change, NULL for undefined metrics, a folder holding
another campaign is refused, a store in use is reported, Parquet export."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from campaign_testing import CAMPAIGN

import tracklayer
from tracklayer.campaign.outcome import RunOutcome, long_metrics
from tracklayer.campaign.spec import load_campaign
from tracklayer.campaign.store import Store, StoreError
from tracklayer.table import Table


def _outcome(run, metrics: dict | None, status: str = "ok") -> RunOutcome:
    return RunOutcome(run.key, run.point.key, run.repetition, run.seed, status,
                      metrics=long_metrics(Table(metrics)) if metrics else None, satellites=21, radars=2, threats=2,
                      timings_s={"orbits": 0.1}, run_s=0.1, task_s=0.2, versions={"tracklayer": tracklayer.__version__})


def _metrics(extra: bool) -> dict:
    cols = {
        "threat": np.array(["BM-1", "HGV-1"], dtype=object), "kind": np.array(["ballistic", "hgv"], dtype=object),
        "node": np.array(["joint", "joint"], dtype=object), "custody_fraction": np.array([0.5, 0.25]),
        "warning_time_s": np.array([400.0, np.nan]), "custody_gaps": np.array([1, 3], dtype=np.int64),
    }
    if extra:
        cols["stereo_angle_deg"] = np.array([12.0, 30.0])  # a metric the store has never seen
        cols["notes"] = np.array(["a", "b"], dtype=object)  # not a number: not stored
    return cols


@pytest.fixture
def campaign(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(CAMPAIGN)
    return load_campaign(path)


def test_new_metric_columns_and_undefined_values(campaign, tmp_path):
    runs = campaign.runs
    with Store.open(tmp_path) as store:
        store.begin_campaign(campaign)
        store.add(_outcome(runs[0], _metrics(extra=False)))
        store.add(_outcome(runs[1], _metrics(extra=True)))
        store.add(_outcome(runs[2], None, status="failed"))
        results = store.results()
        assert store.metric_names() == ["warning_time_s", "custody_fraction", "custody_gaps", "stereo_angle_deg"]  # documented order, then new ones
        nulls = store.query("SELECT count(*) AS n FROM metrics WHERE value IS NULL")
    assert results.num_rows == 2 + 2 + 1  # two threats per successful run, one row for the failed run
    assert list(results["threat"][:4]) == ["BM-1", "HGV-1", "BM-1", "HGV-1"]
    assert np.isnan(results["warning_time_s"][1]) and int(nulls["n"][0]) == 2
    assert np.isnan(results["stereo_angle_deg"][0]) and results["stereo_angle_deg"][3] == 30.0
    assert results["status"][4] == "failed" and results["threat"][4] is None
    assert results["planes"][0] == 3.0 and results["partners"][0] == "US"
    assert "notes" not in results


def test_a_failed_commit_leaves_no_partial_run(campaign, tmp_path):
    run = campaign.runs[0]
    with Store.open(tmp_path) as store:
        store.begin_campaign(campaign)
        store.add(_outcome(run, _metrics(extra=False)))
        before = store.query("SELECT (SELECT count(*) FROM runs) AS r, (SELECT count(*) FROM metrics) AS m")
        broken = _outcome(campaign.runs[1], _metrics(extra=False))
        broken.metrics["row"][:] = 0  # duplicate (run, row, metric): the metrics insert fails after the runs row went in
        with pytest.raises(duckdb.Error):
            store.add(broken)
        after = store.query("SELECT (SELECT count(*) FROM runs) AS r, (SELECT count(*) FROM metrics) AS m")
        assert store.stored() == {run.key: "ok"}
    assert (int(after["r"][0]), int(after["m"][0])) == (int(before["r"][0]), int(before["m"][0]))


def test_folder_of_another_campaign_is_refused(campaign, tmp_path):
    with Store.open(tmp_path) as store:
        store.begin_campaign(campaign)
    other = tmp_path / "other.yaml"
    other.write_text(CAMPAIGN.replace("seed: 11", "seed: 12"))
    with Store.open(tmp_path) as store, pytest.raises(StoreError) as info:
        store.begin_campaign(load_campaign(other))
    assert "different base scenario, overrides or seed" in info.value.lines[0]


def test_store_in_use_is_reported_not_crashed(campaign, tmp_path):
    with Store.open(tmp_path) as store:
        store.begin_campaign(campaign)
        code = "from tracklayer.cli import main; import sys; sys.argv = ['tracklayer', 'analyze', sys.argv[1]]; main()"
        env = {"PYTHONPATH": str(Path(tracklayer.__file__).parents[1]), "PATH": "/usr/bin:/bin"}
        proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "in use by another process" in proc.stderr and "Traceback" not in proc.stderr


def test_parquet_export(campaign, tmp_path):
    with Store.open(tmp_path) as store:
        store.begin_campaign(campaign)
        store.add(_outcome(campaign.runs[0], _metrics(extra=True)))
        files = store.export_parquet()
    assert set(files) == {"results", "runs", "metrics", "points"}
    results = pq.read_table(files["results"])
    assert results.num_rows == 2 and "stereo_angle_deg" in results.column_names and "partners" in results.column_names
    assert pq.read_table(files["metrics"]).num_rows == 2 * 4
    assert pq.read_table(files["points"]).num_rows == len(campaign.points) * 2
    assert not list(tmp_path.glob(".*.tmp"))
