"""End to end: the smoke scenario through the whole pipeline, the CLI, the outputs
on disk, and determinism (same seed -> bit-identical tables, whichever engine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from tracklayer import api
from tracklayer.cli import app
from tracklayer.io.tables import read_parquet


@pytest.fixture(scope="module")
def smoke():
    return api.run("smoke")


def test_tables_have_documented_columns(smoke):
    assert set(smoke.truth) >= {"t_s", "threat_id", "threat", "phase", "r_eci_m", "v_eci_m_s", "lat_deg", "lon_deg", "alt_m"}
    assert set(smoke.detections) >= {"t_s", "sensor_id", "sensor", "node", "kind", "z", "R", "truth_id", "snr"}
    assert set(smoke.tracks) >= {"t_s", "node", "track_id", "status", "x", "P", "truth_id"}
    assert smoke.tracks["x"].shape[1:] == (6,) and smoke.tracks["P"].shape[1:] == (6, 6)
    assert smoke.metrics.num_rows == 2
    assert set(smoke.detections["kind"]) == {"angles", "radar"}
    assert np.all(np.diff(smoke.detections["t_s"]) >= 0)


def test_physics_sanity(smoke):
    """Threats land on their aim points; detections lie on their truth's line of sight;
    the pipeline holds both threats with a confirmed track for a good part of the flight,
    with a median error that radar-quality updates give (smoke: radars cover the
    ballistic missile's descent and the glide vehicle's approach)."""
    m = smoke.metrics
    assert np.all(m["miss_m"] < 1000.0)
    assert np.all(smoke.truth["alt_m"] > -50.0)
    det = smoke.detections
    angles = (det["kind"] == "angles") & (det["truth_id"] >= 0)
    truth_r = smoke.state.truth.r_eci_m
    k = np.searchsorted(smoke.state.grid.t_s, det["t_s"][angles])
    los = truth_r[k, det["truth_id"][angles]] - det["sensor_r_eci_m"][angles]
    los /= np.linalg.norm(los, axis=1, keepdims=True)
    err = np.arccos(np.clip(np.sum(los * det["z"][angles], axis=1), -1, 1))
    assert np.median(err) < 3 * 150e-6  # scenario sigma 150 urad
    grid_t = smoke.state.grid.t_s
    tracks = smoke.tracks
    for name, custody, median_m in (("BM-1", 0.5, 500.0), ("HGV-1", 0.3, 1000.0)):
        i = list(m["threat"]).index(name)
        assert m["time_to_first_detection_s"][i] < 60
        assert m["custody_fraction"][i] > custody
        on = (tracks["truth_id"] == i) & (tracks["status"] == "confirmed")
        k = np.searchsorted(grid_t, tracks["t_s"][on])
        err = np.linalg.norm(tracks["x"][on, :3] - truth_r[k, i], axis=1)
        assert np.median(err) < median_m, name
    assert np.all(m["warning_time_s"] > 60)


@pytest.mark.slow
def test_run_is_deterministic(smoke):
    again = api.run("smoke")
    for name in ("truth", "detections", "tracks", "metrics"):
        a, b = getattr(smoke, name), getattr(again, name)
        for col in a:
            assert np.array_equal(a[col], b[col], equal_nan=a[col].dtype.kind == "f"), (name, col)
    other = api.run("smoke", seed=smoke.seed + 1)
    assert not np.array_equal(other.detections["z"][:10], smoke.detections["z"][:10])


@pytest.mark.slow
def test_cli_run_writes_all_outputs(tmp_path, smoke):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "smoke", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {"truth.parquet", "detections.parquet", "tracks.parquet", "metrics.parquet", "phase_metrics.parquet", "sensors.parquet", "report.html", "scene.czml", "run.json"}
    tracks = read_parquet(out / "tracks.parquet")
    assert np.array_equal(tracks["P"], smoke.tracks["P"])
    scene = json.loads((out / "scene.czml").read_text())
    assert scene[0]["id"] == "document"
    ids = {p["id"] for p in scene}
    assert "threat/BM-1" in ids and any(i.startswith("satellite/") for i in ids) and any(i.startswith("track/") for i in ids)
    html = (out / "report.html").read_text()
    assert "BM-1" in html and "HGV-1" in html


@pytest.mark.slow
def test_numpy_engine_gives_identical_outputs(tmp_path, smoke):
    """Both compute engines give bit-identical tables (a subprocess with TRACKLAYER_ENGINE=numpy)."""
    out = tmp_path / "numpy"
    env = {**os.environ, "TRACKLAYER_ENGINE": "numpy"}
    code = "from tracklayer import api; from tracklayer.kernels import engine; assert engine() == 'numpy'; " \
           f"from tracklayer.io.tables import write_parquet; from pathlib import Path; r = api.run('smoke'); " \
           f"Path(r'{out}').mkdir(); write_parquet(r.tracks, Path(r'{out}') / 'tracks.parquet'); " \
           f"write_parquet(r.detections, Path(r'{out}') / 'detections.parquet')"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    for name in ("tracks", "detections"):
        other = read_parquet(out / f"{name}.parquet")
        mine = getattr(smoke, name)
        for col in ("t_s", "z" if name == "detections" else "x"):
            assert np.array_equal(other[col], mine[col])


def test_cli_errors_are_one_line_and_exit_2(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "missing.yaml: no such file" in result.output and "Traceback" not in result.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["run", "smoke", "--out", str(blocker)])
    assert result.exit_code == 2 and "exists and is not a folder" in result.output
    assert blocker.read_text() == "x"
    result = runner.invoke(app, ["run", "smoke", "--seed", "-1"])
    assert result.exit_code == 2


def test_cli_info_and_scenarios():
    runner = CliRunner()
    result = runner.invoke(app, ["info"])
    assert result.exit_code == 0 and "compute engine:" in result.output
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0 and "indo-pacific" in result.output and "smoke" in result.output


def test_console_script_help_is_fast_and_light():
    """`tracklayer --help` must not import numpy-heavy modules (numba compile, scipy)."""
    code = "import sys, tracklayer.cli; print(sorted(m for m in ('numba', 'scipy', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    assert out == "[]"
