"""Running campaigns: identical results serially, on local workers and on a Dask
cluster; a killed worker, a killed driver and Ctrl-C lose nothing and duplicate
nothing; a run that fails is stored with its error and the campaign goes on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from campaign_testing import CAMPAIGN, assert_exactly_once, assert_same_results, stored_runs
from distributed import Client, LocalCluster

import tracklayer
from tracklayer import api, pipeline
from tracklayer.campaign.executor import PROGRESS_FILE, sweep
from tracklayer.campaign.spec import load_campaign
from tracklayer.campaign.store import Store, is_interrupt

SRC = str(Path(tracklayer.__file__).parents[1])
PLANES = "constellations[0].walker.planes"


def _cluster() -> LocalCluster:
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)


def test_serial_store_holds_every_run_with_its_metadata(campaign_file, serial_store):
    camp = load_campaign(campaign_file)
    assert_exactly_once(serial_store, camp)
    with Store.open(serial_store, read_only=True) as store:
        runs = store.runs()
        meta = store.meta()
    ok = runs["status"] == "ok"
    assert ok.sum() == 8
    failed_errors = set(runs["error"][~ok].tolist())
    assert all("constellations[0].walker.planes: Input should be greater than or equal to 1 (got 0)" in e for e in failed_errors)
    assert set(runs["tracklayer_version"][ok].tolist()) == {tracklayer.__version__}
    versions = json.loads(runs["versions_json"][ok][0])
    assert {"numpy", "numba", "python", "engine"} <= set(versions)
    timings = json.loads(runs["timings_json"][ok][0])
    assert set(timings) == set(api.STAGES) and all(runs["task_s"][ok] >= runs["run_s"][ok])
    assert meta["fingerprint"] == camp.fingerprint and meta["name"] == "test-campaign"
    progress = json.loads((serial_store / PROGRESS_FILE).read_text())
    assert progress["state"] == "finished" and progress["stored"] == progress["total"] == 12
    again = sweep(camp, serial_store, workers=0)  # resuming a finished campaign runs nothing
    assert (again.skipped, again.ok, again.failed) == (12, 0, 0)


@pytest.mark.slow
def test_same_results_serially_on_local_workers_and_on_a_cluster(campaign_file, serial_store, tmp_path):
    camp = load_campaign(campaign_file)
    reference = stored_runs(serial_store)
    local = sweep(camp, tmp_path / "local", workers=2)
    assert local.backend.startswith("local cluster, 2") and local.ok == 8
    assert_same_results(reference, stored_runs(tmp_path / "local"))
    with _cluster() as cluster:
        remote = sweep(camp, tmp_path / "cluster", scheduler=cluster.scheduler_address)
    assert remote.ok == 8
    assert_same_results(reference, stored_runs(tmp_path / "cluster"))
    with Store.open(tmp_path / "cluster", read_only=True) as store:
        workers = set(store.runs()["worker"].tolist())
    assert len(workers - {"driver"}) == 2  # both cluster workers ran runs


@pytest.mark.slow
def test_killed_worker_loses_and_duplicates_nothing(campaign_file, serial_store, tmp_path):
    camp = load_campaign(campaign_file)
    killed: list[str] = []
    with _cluster() as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)

        def kill_a_busy_worker(stored: int, total: int, failed: int) -> None:
            if not killed and stored >= 6:  # the 4 invalid runs, then 2 computed ones
                busy = [w for w, keys in client.processing().items() if keys]
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])

        summary = sweep(camp, tmp_path / "out", scheduler=cluster.scheduler_address, progress=kill_a_busy_worker)
    assert killed and summary.ok == 8 and summary.failed == 4
    assert_exactly_once(tmp_path / "out", camp)
    assert_same_results(stored_runs(serial_store), stored_runs(tmp_path / "out"))


def test_a_run_that_raises_is_stored_as_failed_and_the_campaign_goes_on(tmp_path, monkeypatch):
    path = tmp_path / "two.yaml"
    path.write_text(CAMPAIGN.replace("values: [3, 4, 0]", "values: [3]").replace("[[US], [US, JP]]", "[[US]]"))
    camp = load_campaign(path)
    bad = camp.runs[0]
    real = pipeline.run_pipeline

    def flaky(scenario, seed, progress=None, without=()):
        if seed == bad.seed:
            raise FloatingPointError("synthetic failure in the pipeline")
        return real(scenario, seed, progress, without)

    monkeypatch.setattr(pipeline, "run_pipeline", flaky)  # workers run the pipeline
    summary = sweep(camp, tmp_path / "out", workers=0)
    assert (summary.ok, summary.failed) == (1, 1)
    with Store.open(tmp_path / "out", read_only=True) as store:
        runs = store.runs()
    row = runs["run_key"].tolist().index(bad.key)
    assert runs["status"][row] == "failed" and runs["error"][row] == "FloatingPointError: synthetic failure in the pipeline"
    assert "flaky" in runs["traceback"][row]
    assert_exactly_once(tmp_path / "out", camp)


def _progress(out: Path) -> dict:
    try:
        return json.loads((out / PROGRESS_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _wait_stored(proc: subprocess.Popen, out: Path, n: int, timeout_s: float = 90.0) -> int:
    t_end = time.monotonic() + timeout_s
    while time.monotonic() < t_end:
        stored = _progress(out).get("stored", 0)
        if stored >= n and _progress(out).get("state") == "running":
            return stored
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} runs stored after {timeout_s} s")


def _wait_group_gone(pgid: int, timeout_s: float = 30.0) -> None:
    t_end = time.monotonic() + timeout_s
    while time.monotonic() < t_end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError("processes of the sweep outlived it")


@pytest.mark.slow
def test_killed_driver_and_ctrl_c_resume_without_duplicates(campaign_file, serial_store, tmp_path):
    """SIGKILL the whole sweep (driver and its workers) mid-campaign, then interrupt the
    next attempt with SIGINT as a terminal's Ctrl-C would, then let a third finish:
    every run is stored once, runs stored before the kill are kept as they were, and
    the results equal the serial run's (for the runs the two campaigns share)."""
    path = tmp_path / "four.yaml"
    path.write_text(CAMPAIGN.replace("repetitions: 2", "repetitions: 4"))
    camp = load_campaign(path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "tracklayer.cli", "sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"]
    env = {**os.environ, "PYTHONPATH": SRC}

    def start() -> subprocess.Popen:
        # SIGINT back to its default before exec: a test run started in the background
        # (nohup, `&` in a script) inherits SIGINT ignored, and Python then keeps ignoring it
        return subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

    proc = start()
    _wait_stored(proc, out, 10)  # the 8 invalid runs, then 2 computed ones
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    _wait_group_gone(proc.pid)
    with Store.open(out, read_only=True) as store:
        before = store.runs()
    kept = dict(zip(before["run_key"].tolist(), before["stored_utc"].tolist()))
    assert 10 <= len(kept) < len(camp.runs)

    proc = start()
    _wait_stored(proc, out, len(kept) + 1)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    _wait_group_gone(proc.pid)
    assert proc.returncode == 130, err
    assert "run the same command again to resume" in err and "Traceback" not in err
    assert _progress(out)["state"] == "interrupted"

    proc = start()
    stdout, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert f"{len(camp.runs)} of {len(camp.runs)} runs stored" in stdout
    assert_exactly_once(out, camp)
    with Store.open(out, read_only=True) as store:
        after = store.runs()
    stored_at = dict(zip(after["run_key"].tolist(), after["stored_utc"].tolist()))
    assert all(stored_at[k] == t for k, t in kept.items())  # never run twice
    reference = stored_runs(serial_store)
    assert_same_results(reference, stored_runs(out), keys=reference)


def test_a_partner_mix_run_is_the_scenario_run_without_the_other_nations(campaign_file, serial_store):
    """The stored metrics of a 'partners: [US]' run are those of `api.run(..., without=JP)`
    on the point's scenario with the run's seed, row for row."""
    from tracklayer.campaign.executor import long_metrics

    camp = load_campaign(campaign_file)
    run = next(r for r in camp.runs if dict(r.point.edits).get("partners") == ["US"] and dict(r.point.edits)[PLANES] == 3)
    assert camp.without(run.point) == ("JP",)
    direct = long_metrics(api.run(camp.scenario(run.point), seed=run.seed, without=("JP",)).metrics)
    stored = stored_runs(serial_store)[run.key]["metrics"]
    expected = {(int(r), m): v for r, m, v in zip(direct["row"], direct["metric"], direct["value"])}
    assert stored.keys() == expected.keys()
    assert np.array_equal(np.array([stored[k] for k in expected]), np.array(list(expected.values())), equal_nan=True)
    full = next(r for r in camp.runs if r.point.key != run.point.key and dict(r.point.edits)[PLANES] == 3 and r.repetition == run.repetition)
    assert stored_runs(serial_store)[full.key]["metrics"] != stored  # Japan's sensors change the picture


def test_what_counts_as_ctrl_c():
    """DuckDB 1.x-2.x turns SIGINT during a statement into RuntimeError('Query
    interrupted') (the pending-query loop's PyErr_CheckSignals); other errors stay errors."""
    import duckdb

    assert is_interrupt(KeyboardInterrupt()) and is_interrupt(RuntimeError("Query interrupted"))
    assert is_interrupt(duckdb.InterruptException("INTERRUPT Error: Interrupted!"))
    assert not is_interrupt(RuntimeError("another error")) and not is_interrupt(duckdb.IOException("Query interrupted"))


@pytest.mark.slow
def test_ctrl_c_inside_a_store_commit_loses_nothing(campaign_file, serial_store, tmp_path, monkeypatch):
    """SIGINT while DuckDB executes a statement surfaces as DuckDB's own exception, not
    KeyboardInterrupt: the sweep stops as interrupted, the interrupted run is not
    half-stored, and the next sweep stores every run exactly once."""
    camp = load_campaign(campaign_file)
    real_add = Store.add
    calls = []

    def interrupted_add(store, outcome):
        calls.append(outcome.run_key)
        if outcome.status == "ok" and len(calls) > 6:
            with store._transaction():
                store._con.execute("INSERT INTO runs (run_key, point_key, repetition, seed, status) VALUES (?, ?, ?, ?, 'ok')",
                                   [outcome.run_key, outcome.point_key, outcome.repetition, outcome.seed])
                raise RuntimeError("Query interrupted")
        real_add(store, outcome)

    monkeypatch.setattr(Store, "add", interrupted_add)
    first = sweep(camp, tmp_path / "out", workers=0)
    assert first.interrupted and first.stored < len(camp.runs)
    with Store.open(tmp_path / "out", read_only=True) as store:
        assert calls[-1] not in set(store.runs()["run_key"].tolist())  # rolled back whole
    assert _progress(tmp_path / "out")["state"] == "interrupted"
    monkeypatch.setattr(Store, "add", real_add)
    second = sweep(camp, tmp_path / "out", workers=0)
    assert not second.interrupted and second.skipped == first.stored
    assert_exactly_once(tmp_path / "out", camp)
    assert_same_results(stored_runs(serial_store), stored_runs(tmp_path / "out"))
