"""Geometry draws of a campaign: validation (file: field: problem, exit 2), draws that
depend on the repetition and the campaign seed but not on the design point (common
random numbers), their application to the scenario, and their record in the store."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tracklayer.campaign.executor import plan, sweep
from tracklayer.campaign.geometry import Geometry, apply, draw
from tracklayer.campaign.spec import CampaignError, load_campaign
from tracklayer.campaign.store import Store
from tracklayer.cli import app

HEAD = """\
name: g
scenario: smoke
seed: 5
repetitions: 4
overrides:
  duration_s: 300
parameters:
  planes:
    path: constellations[0].walker.planes
    values: [3, 4]
"""

GEOMETRY = """\
geometry:
  attack_time: {over_s: 86400}
  threat_presets: {HGV-1: [tw2020, cl2022]}
  launch_box_deg: {BM-1: {lat: [38.5, 39.5], lon: [125, 126]}}
  aim_box_deg: {lat: [34, 34.5], lon: [132, 133]}
"""


def _campaign(tmp_path: Path, geometry: str = GEOMETRY, head: str = HEAD) -> Path:
    path = tmp_path / "g.yaml"
    path.write_text(head + geometry)
    return path


def test_draws_are_shared_by_design_points_and_differ_by_repetition(tmp_path):
    camp = load_campaign(_campaign(tmp_path))
    by_rep: dict[int, list[dict]] = {}
    for run in camp.runs:
        by_rep.setdefault(run.repetition, []).append(run.draws)
    assert len(camp.points) == 2
    for draws in by_rep.values():
        assert draws[0] == draws[1]  # common random numbers across design points
    offsets = [by_rep[r][0]["attack_offset_s"] for r in sorted(by_rep)]
    assert len(set(offsets)) == 4 and all(0.0 <= x < 86400.0 for x in offsets)
    d = by_rep[0][0]["threats"]
    assert d["HGV-1"]["preset"] in {"tw2020", "cl2022"} and set(d["HGV-1"]) == {"preset", "aim"}
    assert 38.5 <= d["BM-1"]["launch"]["lat_deg"] <= 39.5 and 125 <= d["BM-1"]["launch"]["lon_deg"] <= 126
    # the same campaign again: the same draws; another seed: other draws
    assert [r.draws for r in load_campaign(_campaign(tmp_path)).runs] == [r.draws for r in camp.runs]
    other = load_campaign(_campaign(tmp_path, head=HEAD.replace("seed: 5", "seed: 6")))
    assert other.runs[0].draws["attack_offset_s"] != camp.runs[0].draws["attack_offset_s"]


def test_adding_a_drawn_quantity_keeps_the_other_draws(tmp_path):
    only_time = load_campaign(_campaign(tmp_path, "geometry:\n  attack_time: {over_s: 86400}\n"))
    full = load_campaign(_campaign(tmp_path))
    assert [r.draws["attack_offset_s"] for r in only_time.runs] == [r.draws["attack_offset_s"] for r in full.runs]
    assert only_time.fingerprint != full.fingerprint  # a store is never resumed with other draws


def test_draws_cover_the_interval_uniformly():
    g = Geometry.model_validate({"attack_time": {"over_s": 1000.0}})
    x = np.array([draw(g, [], 3, r)["attack_offset_s"] for r in range(2000)])
    from scipy import stats

    assert stats.kstest(x / 1000.0, "uniform").pvalue > 1e-3


def test_box_points_are_uniform_over_area():
    g = Geometry.model_validate({"launch_box_deg": {"lat": [0, 60], "lon": [10, 20]}})
    threats = [{"name": "A", "kind": "ballistic"}]
    lat = np.array([draw(g, threats, 1, r)["threats"]["A"]["launch"]["lat_deg"] for r in range(2000)])
    # area-uniform: sin(lat) uniform on [0, sin 60]
    from scipy import stats

    assert stats.kstest(np.sin(np.radians(lat)) / np.sin(np.radians(60)), "uniform").pvalue > 1e-3
    assert np.mean(lat < 30) > 0.55  # more area below 30 deg than above


def test_apply_edits_a_copy():
    data = {"attack_offset_s": 100.0, "threats": [{"name": "A", "preset": "mrbm", "launch": {"lat_deg": 1, "lon_deg": 2, "alt_m": 5}, "aim": {"lat_deg": 3, "lon_deg": 4}}]}
    out = apply(data, {"attack_offset_s": 50.0, "threats": {"A": {"preset": "srbm", "launch": {"lat_deg": 9.0, "lon_deg": 8.0}}}})
    assert out["attack_offset_s"] == 150.0 and out["threats"][0]["preset"] == "srbm"
    assert out["threats"][0]["launch"] == {"lat_deg": 9.0, "lon_deg": 8.0, "alt_m": 5}
    assert data["threats"][0]["launch"]["lat_deg"] == 1 and data["attack_offset_s"] == 100.0


@pytest.mark.parametrize(
    "geometry, message",
    [
        ("geometry:\n  attack_time: {over_s: 0}\n", "geometry.attack_time.over_s: Input should be greater than 0"),
        ("geometry:\n  attack_time: {over_s: -5}\n", "geometry.attack_time.over_s"),
        ("geometry:\n  launch_box_deg: {lat: [40, 30], lon: [120, 125]}\n", "empty region"),
        ("geometry:\n  aim_box_deg: {HGV-1: {lat: [30, 31], lon: [125, 120]}}\n", "geometry.aim_box_deg.HGV-1: lon must be [west, east]"),
        ("geometry:\n  threat_presets: [tw2020, nope]\n", "unknown presets ['nope']"),
        ("geometry:\n  threat_presets: {HGV-9: [tw2020]}\n", "geometry.threat_presets.HGV-9: no threat of that name"),
        ("geometry:\n  threat_presets: {BM-1: [tw2020]}\n", "none of ['tw2020'] is a preset of ballistic threat 'BM-1'"),
        ("geometry:\n  attack_time: {over_s: 100, extra: 1}\n", "geometry.attack_time.extra"),
    ],
)
def test_bad_geometry_names_file_and_field(tmp_path, geometry, message):
    path = _campaign(tmp_path, geometry)
    with pytest.raises(CampaignError) as err:
        load_campaign(path)
    assert any(line.startswith(f"{path}: ") and message in line for line in err.value.lines), err.value.lines
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--dry-run"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_sweep_records_the_draws_and_runs_the_drawn_scenario(tmp_path):
    head = HEAD.replace("repetitions: 4", "repetitions: 2").replace("values: [3, 4]", "values: [3]")
    camp = load_campaign(_campaign(tmp_path, "geometry:\n  attack_time: {over_s: 86400}\n", head))
    tasks, invalid = plan(camp, camp.runs)
    assert not invalid
    for task, run in zip(tasks, camp.runs):
        assert task.scenario["attack_offset_s"] == run.draws["attack_offset_s"] > 0
    out = tmp_path / "out"
    summary = sweep(camp, out, workers=0)
    assert summary.ok == 2
    with Store.open(out, read_only=True) as store:
        runs = store.runs()
        metrics = store.metrics()
    draws = [json.loads(d) for d in runs["draws_json"].tolist()]
    assert draws == [r.draws for r in camp.runs]
    custody = metrics.take(metrics["metric"] == "custody_fraction")
    per_run = {k: custody["value"][custody["run_key"] == k] for k in runs["run_key"].tolist()}
    a, b = per_run.values()
    assert not np.array_equal(a, b)  # different geometries
