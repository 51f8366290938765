"""End to end: the smoke scenario through the whole pipeline, the CLI, the outputs
on disk, and determinism (same seed -> bit-identical tables, whichever engine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
    assert set(smoke.truth.columns) >= {"t_s", "threat_id", "threat", "phase", "r_eci_m", "v_eci_m_s", "lat_deg", "lon_deg", "alt_m"}
    assert set(smoke.detections.columns) >= {"t_s", "sensor_id", "sensor", "node", "kind", "z", "R", "truth_id", "snr"}
    assert set(smoke.tracks.columns) >= {"t_s", "node", "track_id", "status", "x", "P", "truth_id"}
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
        for col in a.columns:
            assert np.array_equal(a[col], b[col], equal_nan=a[col].dtype.kind == "f"), (name, col)
    other = api.run("smoke", seed=smoke.seed + 1)
    assert not np.array_equal(other.detections["z"][:10], smoke.detections["z"][:10])


@pytest.mark.slow
def test_cli_run_writes_all_outputs(tmp_path, smoke):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "smoke", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {"truth.parquet", "detections.parquet", "tracks.parquet", "metrics.parquet", "phase_metrics.parquet", "sensors.parquet", "impact.parquet", "report.html", "scene.czml", "run.json"}
    tracks = read_parquet(out / "tracks.parquet")
    assert np.array_equal(tracks["P"], smoke.tracks["P"])
    scene = json.loads((out / "scene.czml").read_text())
    assert scene[0]["id"] == "document"
    ids = {p["id"] for p in scene}
    assert "threat/BM-1" in ids and any(i.startswith("satellite/") for i in ids) and any(i.startswith("track/") for i in ids)
    html = (out / "report.html").read_text()
    assert "BM-1" in html and "HGV-1" in html


def test_no_report_writes_everything_but_the_report(tmp_path, smoke):
    from tracklayer.outputs.run import write_run

    written = write_run(smoke, tmp_path / "a", skip=("report",))
    assert "report" not in written and not (tmp_path / "a" / "report.html").exists()
    assert {"tables", "scene", "run"} <= {k if k in ("scene", "run") else "tables" for k in written}
    assert json.loads((tmp_path / "a" / "run.json").read_text())["files"] == {k: p.name for k, p in written.items() if k != "run"}
    with pytest.raises(ValueError, match="no writer named plots"):
        write_run(smoke, tmp_path / "b", skip=("plots",))
    result = CliRunner().invoke(app, ["run", "smoke", "--out", str(tmp_path / "c"), "--no-report"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "c" / "report.html").exists() and (tmp_path / "c" / "tracks.parquet").exists()
    assert "in a browser" not in result.output


@pytest.mark.slow
def test_numpy_engine_gives_identical_outputs(tmp_path, smoke):
    """Both compute engines give bit-identical detections, the same tracks (ids, times,
    statuses, hits) and the same metrics; track states agree to rounding, because the
    general tracker path's compiled kernels (`kernels.imm`) loop where the NumPy
    reference calls LAPACK/BLAS (a subprocess with TRACKLAYER_ENGINE=numpy)."""
    out = tmp_path / "numpy"
    env = {**os.environ, "TRACKLAYER_ENGINE": "numpy"}
    code = "from tracklayer import api; from tracklayer.kernels import engine; assert engine() == 'numpy'; " \
           f"from tracklayer.io.tables import write_parquet; from pathlib import Path; r = api.run('smoke'); " \
           f"Path(r'{out}').mkdir(); write_parquet(r.tracks, Path(r'{out}') / 'tracks.parquet'); " \
           f"write_parquet(r.detections, Path(r'{out}') / 'detections.parquet'); write_parquet(r.metrics, Path(r'{out}') / 'metrics.parquet')"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    other = read_parquet(out / "detections.parquet")
    for col in ("t_s", "z"):
        assert np.array_equal(other[col], smoke.detections[col])
    other = read_parquet(out / "tracks.parquet")
    for col in ("t_s", "track_id", "status", "hits", "truth_id"):
        assert np.array_equal(other[col], smoke.tracks[col]), col
    np.testing.assert_allclose(other["x"], smoke.tracks["x"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(other["position_sigma_m"], smoke.tracks["position_sigma_m"], rtol=1e-7)
    other = read_parquet(out / "metrics.parquet")
    for col in other.columns:
        a, b = np.asarray(other[col]), np.asarray(smoke.metrics[col])
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True, err_msg=col)
        else:
            assert np.array_equal(a, b), col


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


def test_quality_gated_warning_is_never_longer_than_first_track_warning(smoke):
    from tracklayer.metrics.impact import IMPACT_COLUMNS

    m = smoke.metrics
    ok = np.isfinite(m["warning_time_ipp_s"])
    assert ok.any()
    assert np.all(m["warning_time_ipp_s"][ok] <= m["warning_time_s"][ok])
    assert list(smoke.impact.columns) == list(IMPACT_COLUMNS) and smoke.impact.num_rows > 0
    assert np.all(smoke.impact["node"] == smoke.picture_node)


def test_tracking_benchmark_measures_one_node_of_a_network(smoke):
    """benchmarks/bench_tracking_scenario.py on a run with several tracking nodes (as the
    default scenario has) measures the picture node, or the node asked for."""
    import importlib.util
    import types

    from tracklayer.table import Table, concat

    spec = importlib.util.spec_from_file_location("bench_tracking_scenario", Path(__file__).parents[1] / "benchmarks" / "bench_tracking_scenario.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    def relabel(table: Table, node: str, shift: float = 0.0) -> Table:
        cols = dict(table)
        cols["node"] = np.full(table.num_rows, node, dtype=object)
        if "x" in cols:
            cols["x"] = cols["x"] + shift
        return Table(cols)

    nodes = ["us", "jp", "au", smoke.picture_node]
    network = types.SimpleNamespace(
        metrics=concat([relabel(smoke.metrics, n) for n in nodes]),
        tracks=concat([relabel(smoke.tracks, n, 1e4 * (n != smoke.picture_node)) for n in nodes]),
        state=smoke.state, picture_node=smoke.picture_node,
    )
    single = bench.threat_quality(smoke)
    assert bench.threat_quality(network) == single and len(single) == len(set(smoke.metrics["threat"].tolist()))
    other = bench.threat_quality(network, "jp")
    assert all(other[t]["max_error_m"] > single[t]["max_error_m"] for t in single if single[t]["track_rows"])
