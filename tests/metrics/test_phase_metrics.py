"""Phase-resolved metrics: phases add up to the whole flight, the named qualities nest,
NEES against a known covariance, satellites detecting and sensor kinds feeding a
track on a hand-built case, and bad quality settings fail with one line."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, chi2
from typer.testing import CliRunner

from tracklayer import api
from tracklayer.cli import app
from tracklayer.metrics.phase_metrics import ALL, NEES_BOUND_95, Quality, phase_metrics, position_nees
from tracklayer.scenario.loader import ScenarioError, builtin_path, load_scenario
from tracklayer.sensors import ANGLES, RADAR
from tracklayer.table import Table
from tracklayer.threats import BOOST, COAST, PHASES
from tracklayer.threats.fly import Truth
from tracklayer.tracking import CONFIRMED, TENTATIVE

SHARES = ("custody_fraction", "custody_warning_quality", "custody_fire_control_quality", "ir_detecting_1", "ir_detecting_2",
          "custody_radar_only", "custody_space_only", "custody_both", "custody_coasting")


@pytest.fixture(scope="module")
def smoke():
    return api.run("smoke")


def _rows(pm: Table, threat: str, node: str) -> Table:
    return pm.take((pm["threat"] == threat) & (pm["node"] == node))


def test_phases_add_up_to_the_whole_flight_row_and_it_equals_the_metrics_table(smoke):
    pm, m = smoke.phase_metrics, smoke.metrics
    assert set(pm["phase"].tolist()) <= set(PHASES) | {ALL}
    for i in range(m.num_rows):
        rows = _rows(pm, m["threat"][i], m["node"][i])
        whole = rows.take(rows["phase"] == ALL)
        parts = rows.take(rows["phase"] != ALL)
        assert whole.num_rows == 1 and parts.num_rows >= 2
        assert parts["duration_s"].sum() == whole["duration_s"][0] == pytest.approx(m["flight_s"][i], abs=2 * smoke.scenario.step_s)
        assert parts["custody_s"].sum() == whole["custody_s"][0]
        assert parts["samples"].sum() == whole["samples"][0]
        assert whole["custody_fraction"][0] == m["custody_fraction"][i]  # bit for bit
        np.testing.assert_array_equal(whole["position_rms_m"], m["position_rms_m"][i:i + 1])
        # each share weighted by its phase's time adds up to the whole flight's share
        for key in SHARES:
            assert np.sum(parts[key] * parts["duration_s"]) == pytest.approx(whole[key][0] * whole["duration_s"][0], abs=1e-9)


def test_qualities_nest_and_the_feed_split_adds_up_to_custody(smoke):
    pm = smoke.phase_metrics
    assert np.all(pm["custody_fire_control_quality"] <= pm["custody_warning_quality"])
    assert np.all(pm["custody_warning_quality"] <= pm["custody_fraction"])
    assert np.all(pm["ir_detecting_2"] <= pm["ir_detecting_1"])
    split = pm["custody_radar_only"] + pm["custody_space_only"] + pm["custody_both"] + pm["custody_coasting"]
    np.testing.assert_allclose(split, pm["custody_fraction"], atol=1e-12)
    assert pm["custody_fraction"].max() > 0  # the run holds something, so the checks above bite


def test_custody_at_a_quality_grows_with_its_threshold(smoke):
    """Loosening the thresholds never lowers custody within them."""
    truth, grid = smoke.state.truth, smoke.state.grid
    tr = smoke.tracks.take(smoke.tracks["node"] == smoke.picture_node)
    tracks = Table({**tr, "status": np.where(tr["status"] == "confirmed", CONFIRMED, TENTATIVE)})
    det = _run_detections(smoke)
    last = None
    for km in (0.1, 0.5, 1.0, 5.0, 25.0):
        pm = phase_metrics(truth, grid.t_s, det, tracks, "x", Quality(warning_m=km * 1e3, fire_control_m=km * 1e3))
        assert np.array_equal(pm["custody_warning_quality"], pm["custody_fire_control_quality"])
        if last is not None:
            assert np.all(pm["custody_warning_quality"] >= last)
        last = pm["custody_warning_quality"]
    assert np.all(last <= pm["custody_fraction"])


def _run_detections(result) -> Table:
    from tracklayer.network.run import source_bits

    det = result.detections
    source = result.sensors["source"][det["sensor_id"]]
    kind = np.where(det["kind"] == "radar", RADAR, ANGLES)
    return Table({"t_s": det["t_s"], "kind": kind, "truth_id": det["truth_id"], "sensor_id": det["sensor_id"], "source_bit": source_bits(source)})


def test_position_nees_of_samples_drawn_from_the_stated_covariance(rng):
    n = 4000
    a = rng.normal(size=(n, 3, 3)) * np.array([2e3, 5e2, 1e2])[None, :, None]
    p = a @ a.transpose(0, 2, 1) + np.eye(3) * 1e2  # one SPD covariance per sample, m^2
    err = np.einsum("nij,nj->ni", np.linalg.cholesky(p), rng.normal(size=(n, 3)))
    nees = position_nees(err, p)
    lo, hi = chi2.ppf([0.001, 0.999], 3 * n) / n  # band of the mean of n chi2(3) samples
    assert lo < nees.mean() < hi
    inside = int(np.sum(nees <= NEES_BOUND_95))
    assert binom.ppf(0.001, n, 0.95) <= inside <= binom.ppf(0.999, n, 0.95)
    # an over-confident covariance (half the stated sigma) is caught
    assert position_nees(err, p / 4).mean() > hi * 3


def _hand_truth(phase: np.ndarray, miss_m: float = 0.0) -> Truth:
    t = phase.shape[0]
    r = np.zeros((t, 1, 3))
    r[:, 0, 0] = 7e6 + 1e3 * np.arange(t)
    nan = np.full((t, 1), np.nan)
    return Truth(np.array(["T"], dtype=object), np.array(["hgv"], dtype=object), r, np.zeros((t, 1, 3)), phase[:, None].astype(np.int8),
                 nan, nan, np.zeros(1), np.array([float(t)]), np.zeros(1), np.zeros(1), np.array([miss_m]))


def test_hand_built_case_detecting_share_feed_split_qualities_and_nees():
    """Ten steps: boost 0-3, coast 4-9. Satellites 0 and 1 detect at steps 1, 2 (both)
    and 5 (sat 0 only, twice); radar (sensor 9, source bit 4) detects at step 6.
    A confirmed track holds steps 2-8 with errors 0.5, 2, 0.5, 8, 0.5, 0.5, 3 km."""
    t_grid = np.arange(10.0)
    phase = np.array([BOOST] * 4 + [COAST] * 6)
    truth = _hand_truth(phase, miss_m=1500.0)
    det = Table({
        "t_s": np.array([1.0, 1.0, 2.0, 2.0, 5.0, 5.0, 6.0]),
        "kind": np.array([ANGLES] * 6 + [RADAR]),
        "truth_id": np.zeros(7, np.int32),
        "sensor_id": np.array([0, 1, 0, 1, 0, 0, 9]),
        "source_bit": np.array([1, 1, 1, 1, 1, 1, 4], np.uint64),
    })
    k = np.arange(2, 9)
    err_km = np.array([0.5, 2.0, 0.5, 8.0, 0.5, 0.5, 3.0])
    x = np.zeros((k.size, 6))
    x[:, :3] = truth.r_eci_m[k, 0]
    x[:, 1] += err_km * 1e3
    p = np.tile(np.diag([1e6, 1e6, 1e6, 1, 1, 1]), (k.size, 1, 1))  # 1 km sigma per axis
    tracks = Table({"t_s": t_grid[k], "status": np.full(k.size, CONFIRMED, np.int8), "x": x, "P": p, "truth_id": np.zeros(k.size, np.int32),
                    "sources": np.full(k.size, 1 | 4, np.uint64)})
    pm = phase_metrics(truth, t_grid, det, tracks, "n", Quality(warning_m=5e3, fire_control_m=1e3, feed_window_s=2.0))
    assert pm["phase"].tolist() == ["boost", "coast", ALL]
    boost, coast, whole = (pm.take(pm["phase"] == ph) for ph in ("boost", "coast", ALL))
    assert boost["ir_detecting_1"][0] == 2 / 4 and boost["ir_detecting_2"][0] == 2 / 4
    assert coast["ir_detecting_1"][0] == 1 / 6 and coast["ir_detecting_2"][0] == 0.0  # two detections by one satellite are one
    assert boost["custody_fraction"][0] == 2 / 4 and coast["custody_fraction"][0] == 5 / 6 and whole["custody_fraction"][0] == 7 / 10
    assert boost["custody_fire_control_quality"][0] == 1 / 4 and boost["custody_warning_quality"][0] == 2 / 4
    assert coast["custody_fire_control_quality"][0] == 3 / 6 and coast["custody_warning_quality"][0] == 4 / 6
    # window 2 s: step t is fed by detections at t-1 and t. Space at 2, 3 (from 1, 2), 5, 6; radar at 6, 7
    assert boost["custody_space_only"][0] == 2 / 4 and boost["custody_coasting"][0] == 0.0
    assert coast["custody_space_only"][0] == 1 / 6 and coast["custody_both"][0] == 1 / 6
    assert coast["custody_radar_only"][0] == 1 / 6 and coast["custody_coasting"][0] == 2 / 6  # steps 4 and 8
    np.testing.assert_allclose(whole["nees_mean"][0], np.mean(err_km**2))
    assert whole["nees_in_95"][0] == np.mean(err_km**2 <= NEES_BOUND_95)
    np.testing.assert_allclose(coast["position_rms_m"][0], 1e3 * np.sqrt(np.mean(err_km[2:] ** 2)))
    assert pm["missed_aim"].all()  # 1.5 km from the aim, tolerance 1 km
    # a source the track does not derive from feeds nothing
    other = Table({**tracks, "sources": np.full(k.size, 1, np.uint64)})
    pm2 = phase_metrics(truth, t_grid, det, other, "n", Quality(feed_window_s=2.0))
    assert pm2["custody_radar_only"].sum() == 0 and pm2["custody_both"].sum() == 0


def test_missed_aim_lines_name_threat_miss_and_setting():
    q = Quality(miss_tolerance_m=(("ballistic", 1e3), ("hgv", 5e4)))
    m = Table({"threat": np.array(["B", "H", "G"], dtype=object), "kind": np.array(["ballistic", "hgv", "hgv"], dtype=object),
               "miss_m": np.array([1500.0, 54_303.0, 40.0])})
    assert q.missed_aim_lines(m) == [
        "B lands 1.5 km from its aim point (tolerance 1 km: metrics.miss_tolerance_ballistic_km)",
        "H lands 54.3 km from its aim point (tolerance 50 km: metrics.miss_tolerance_glide_km)",
    ]


def test_default_quality_settings_leave_scenarios_valid():
    scn = load_scenario("smoke")
    assert (scn.metrics.warning_quality_km, scn.metrics.fire_control_quality_km) == (5.0, 1.0)
    assert Quality.from_scenario(scn) == Quality()


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("{warning_quality_km: 0}", "scn.yaml: metrics.warning_quality_km: Input should be greater than 0"),
        ("{fire_control_quality_km: -1}", "scn.yaml: metrics.fire_control_quality_km: Input should be greater than 0"),
        ("{warning_quality_km: .inf}", "scn.yaml: metrics.warning_quality_km: Input should be a finite number"),
        ("{miss_tolerance_glide_km: .nan}", "scn.yaml: metrics.miss_tolerance_glide_km: Input should be a finite number"),
        ("{feed_window_s: abc}", "scn.yaml: metrics.feed_window_s: Input should be a valid number"),
        ("{fire_control_quality_km: 8}", "fire_control_quality_km 8 must not exceed warning_quality_km 5"),
        ("{warning_km: 5}", "scn.yaml: metrics.warning_km: unknown field"),
    ],
)
def test_bad_quality_settings_give_one_line_and_exit_2(tmp_path, block, expected):
    path = tmp_path / "scn.yaml"
    path.write_text(builtin_path("smoke").read_text() + f"\nmetrics: {block}\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and expected in result.output and "Traceback" not in result.output, result.output
    assert len([line for line in result.output.splitlines() if line.startswith("error:")]) == 1
    with pytest.raises(ScenarioError):
        load_scenario(path)


def test_report_and_terminal_show_phases_and_missed_aims(smoke):
    import dataclasses

    from rich.console import Console

    from tracklayer import api, terminal
    from tracklayer.metrics.coverage import run_coverage
    from tracklayer.report.html import missed_aims, render_report

    strict = smoke.scenario.model_copy(update={"metrics": smoke.scenario.metrics.model_copy(update={"miss_tolerance_ballistic_km": 1e-9,
                                                                                                      "miss_tolerance_glide_km": 1e-9})})
    result = dataclasses.replace(smoke, scenario=strict)
    html = render_report(result, run_coverage(result.scenario))
    assert 'id="phases"' in html and "Threats that miss their aim" in html
    for threat in smoke.metrics["threat"][smoke.metrics["node"] == smoke.picture_node]:
        assert f"<h3>{threat} (" in html
    assert missed_aims(smoke) == [] and smoke.metrics["miss_m"].max() < 1e3  # the smoke threats land on their aims
    out = Console(record=True, width=200)
    terminal.run_summary(out, result)
    text = out.export_text()
    assert "custody by phase" in text and "radar/space/both" in text
    lines = api.missed_aims(result)
    assert len(lines) == (smoke.metrics["node"] == smoke.picture_node).sum() and all("from its aim point" in line for line in lines)
    assert api.missed_aims(smoke) == []
