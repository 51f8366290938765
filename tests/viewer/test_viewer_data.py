"""The viewer's data document: built from a run folder, consistent with the tables it
comes from, thinned within its budget, and clear about bad folders."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tracklayer.earth.constants import DEG
from tracklayer.earth.frames import geodetic_to_ecef
from tracklayer.viewer.data import Budget, RunFolderError, build_view, changes, thin_groups


@pytest.fixture(scope="module")
def view(smoke_run):
    return build_view(smoke_run[1])


def test_document_holds_every_entity_of_the_run(smoke_run, view):
    result, _ = smoke_run
    assert len(view["satellites"]["name"]) == len(result.state.sats) == view["satellites"]["total"]
    assert [r["name"] for r in view["radars"]] == [r.name for r in result.scenario.radars]
    assert [t["name"] for t in view["threats"]] == ["BM-1", "HGV-1"]
    assert len(view["detections"]["t_s"]) == result.detections.num_rows
    assert {(t["node"], t["track_id"]) for t in view["tracks"]} == set(zip(result.tracks["node"], result.tracks["track_id"]))
    assert {k: v for k, v in view["layers"].items() if k != "notes"} == {"nodes": ["joint"], "truth": "truth", "default": "joint"}
    assert "no network" in view["layers"]["notes"]["joint"][0]
    assert not view["thinning"]["applied"]
    json.dumps(view, allow_nan=False)  # strict JSON


def test_earth_rotation_matches_the_run(smoke_run, view):
    """The orbit rings are turned by theta0 + rate t: that must reproduce each satellite's ECEF
    samples (written by the run) from its ECI state within 1 m."""
    result, _ = smoke_run
    sats = result.state.sats
    t = view["satellites"]["t_s"][0]
    k = np.searchsorted(result.state.grid.t_s, t)
    theta = view["earth"]["theta0_rad"] + view["earth"]["theta_rate_rad_s"] * np.asarray(t)
    r = sats.r_eci_m[k, 0]
    ecef = np.stack([np.cos(theta) * r[:, 0] + np.sin(theta) * r[:, 1], -np.sin(theta) * r[:, 0] + np.cos(theta) * r[:, 1], r[:, 2]], axis=1)
    assert np.abs(ecef - np.reshape(view["satellites"]["r_ecef_m"][0], (-1, 3))).max() < 1.0


def test_lines_of_sight_end_at_the_detected_threat(smoke_run, view):
    """True detections end at the threat: radar at the measured point (within 5 sigma of the
    noise), space IR along the measured direction at the threat's range (within 2 km)."""
    result, _ = smoke_run
    d = view["detections"]
    truth = result.truth
    end = np.reshape(d["to_ecef_m"], (-1, 3))
    tid = np.asarray(d["truth_id"])
    t = np.asarray(d["t_s"])
    key = truth["threat_id"] * 1e7 + truth["t_s"]
    order = np.argsort(key)
    rows = order[np.searchsorted(key[order], tid * 1e7 + t)]
    true = tid >= 0
    ecef = geodetic_to_ecef(truth["lat_deg"] * DEG, truth["lon_deg"] * DEG, truth["alt_m"])[rows[true]]
    miss = np.linalg.norm(end[true] - ecef, axis=1)
    radar = np.asarray(result.detections["kind"] == "radar")[true]
    assert true.sum() > 100 and radar.any() and (~radar).any()
    assert np.max(miss[~radar]) < 2e3
    assert np.max(miss[radar]) < 5 * 1.5e-3 * 2.0e6  # 5 sigma of the worst angle noise at 2,000 km


def test_track_uncertainty_axes_and_custody_match_the_tables(smoke_run, view):
    result, _ = smoke_run
    for tr in view["tracks"]:
        axes = np.reshape(tr["axes_m"], (-1, 3))
        assert np.allclose(np.linalg.norm(axes, axis=1), tr["sigma_m"], atol=2.0)  # sqrt(trace P) is rotation invariant
    m = result.metrics
    for i, name in enumerate(m["threat"]):
        threat = next(t for t in view["threats"] if t["name"] == name)
        held = sum(b - a for a, b in view["custody"]["joint"][name]["held"])
        flight = threat["t_s"][-1] - threat["t_s"][0]
        assert held / flight == pytest.approx(m["custody_fraction"][i], abs=3.0 / flight)
    contributors = {view["sources"]["name"][s] for tr in view["tracks"] for s, _, _ in tr["contributors"]}
    assert "tracking-layer" in contributors and contributors & {r.name for r in result.scenario.radars}


def test_thinning_respects_the_budget_and_says_so(smoke_run):
    budget = Budget(max_satellites=10, max_satellite_samples=50, max_threat_samples=100, max_track_samples=60, max_detections=200, max_tracks=1)
    view = build_view(smoke_run[1], budget)
    assert len(view["satellites"]["name"]) == 10 and len(view["tracks"]) == 1
    assert sum(len(t["t_s"]) for t in view["threats"]) <= 100
    assert len(view["detections"]["t_s"]) <= 200
    assert view["thinning"]["applied"] and len(view["thinning"]["notes"]) >= 5
    for t in view["threats"]:  # phase changes survive thinning
        assert len(set(t["phase"])) >= 2


def test_thin_groups_keeps_ends_and_one_sample_per_period():
    group = np.r_[np.zeros(100, int), np.ones(50, int)]
    t = np.r_[np.arange(100.0), np.arange(50.0) * 2]
    rows = thin_groups(group, t, 10.0)
    assert set(rows) >= {0, 99, 100, 149}
    assert np.all(np.diff(t[rows][group[rows] == 0][:-1]) == 10.0)
    flags = changes(group, t, np.r_[np.zeros(60), np.ones(40), np.zeros(50)])
    assert list(np.nonzero(flags)[0]) == [0, 60, 100]


def test_bad_run_folders_name_the_file(tmp_path, smoke_run):
    with pytest.raises(RunFolderError, match="not a folder"):
        build_view(tmp_path / "nope")
    folder = tmp_path / "partial"
    shutil.copytree(smoke_run[1], folder)
    (folder / "tracks.parquet").unlink()
    with pytest.raises(RunFolderError, match="tracks.parquet: missing"):
        build_view(folder)
    shutil.copy(smoke_run[1] / "tracks.parquet", folder / "tracks.parquet")
    (folder / "truth.parquet").write_bytes(b"not parquet")
    with pytest.raises(RunFolderError, match="truth.parquet: not a readable Parquet table"):
        build_view(folder)
