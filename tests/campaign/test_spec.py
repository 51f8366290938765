"""Campaign files: validation errors name file and field (exit 2), field paths must
exist in the base scenario, design expansion (grids, zipped groups, Latin
hypercube samples), stable keys, partner mixes, and the built-in campaign."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tracklayer.campaign.spec import CampaignError, builtin_campaigns, format_path, load_campaign, parse_path
from tracklayer.cli import app

runner = CliRunner()

BASE = """\
name: t
scenario: smoke
seed: 3
repetitions: 2
overrides:
  duration_s: 300
parameters:
  planes:
    path: constellations[0].walker.planes
    values: [3, 4]
  partners:
    path: partners
    values: [[US], [US, JP]]
"""


def _write(tmp_path: Path, text: str, name: str = "camp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_builtin_campaign_matches_its_description():
    """28 to 140 satellites x {US, US+JP, US+JP+AU} x both HGV presets, repeated at
    attack times drawn over a day."""
    assert "tranche-partners" in builtin_campaigns()
    camp = load_campaign("tranche-partners")
    assert len(camp.points) == 5 * 3 * 2 and camp.spec.repetitions >= 2
    assert camp.spec.geometry is not None and camp.spec.geometry.attack_time.over_s == 86400
    assert len({r.key for r in camp.runs}) == len(camp.runs) == len(camp.points) * camp.spec.repetitions
    sats, mixes, presets = set(), set(), set()
    for point in camp.points:
        scn = camp.scenario(point)
        w = scn.constellations[0].walker
        sats.add(w.planes * w.sats_per_plane)
        nations = {r.nation for r in scn.radars} | {c.nation for c in scn.constellations}
        assert nations == {"US", "JP", "AU"}  # a mix leaves nations out of the run, not out of the scenario
        mixes.add(frozenset(nations - set(camp.without(point))))
        hgv = {t.preset for t in scn.threats if t.kind == "hgv"}
        assert len(hgv) == 1  # both glide vehicles take the point's preset
        presets |= hgv
    assert min(sats) == 28 and 130 <= max(sats) <= 150
    assert mixes == {frozenset({"US"}), frozenset({"US", "JP"}), frozenset({"US", "JP", "AU"})}
    assert presets == {"tw2020", "cl2022"}


def test_paths_parse_and_format():
    assert parse_path("constellations[0].walker.planes") == ("constellations", 0, "walker", "planes")
    assert format_path(parse_path(" threats[12].aim.lat_deg ")) == "threats[12].aim.lat_deg"
    for bad in ("[0].x", "a..b", "a[x]", "a[-1]", "a.b[0", "1a"):
        with pytest.raises(ValueError):
            parse_path(bad)


def test_grid_edits_and_partner_mixes(tmp_path):
    camp = load_campaign(_write(tmp_path, BASE))
    assert [p.label() for p in camp.points] == ["planes=3, partners=US", "planes=3, partners=US+JP", "planes=4, partners=US", "planes=4, partners=US+JP"]
    scn = camp.scenario(camp.points[0])
    assert scn.duration_s == 300  # override applied
    assert scn.constellations[0].walker.planes == 3
    assert {r.nation for r in scn.radars} == {"US", "JP"}  # the physics is the same for every mix
    assert camp.without(camp.points[0]) == ("JP",)
    full = camp.scenario(camp.points[3])
    assert full.constellations[0].walker.planes == 4 and camp.without(camp.points[3]) == ()
    assert len({r.seed for r in camp.runs}) == len(camp.runs)


def test_keys_survive_extending_the_grid(tmp_path):
    """Adding values keeps the keys and seeds of the points already there, so a
    resumed campaign re-uses their stored runs."""
    small = load_campaign(_write(tmp_path, BASE))
    big = load_campaign(_write(tmp_path, BASE.replace("values: [3, 4]", "values: [2, 3, 4, 5]").replace("repetitions: 2", "repetitions: 3"), "big.yaml"))
    seeds = {r.key: r.seed for r in big.runs}
    assert all(seeds[r.key] == r.seed for r in small.runs)
    assert len(big.runs) == 4 * 2 * 3


def test_zipped_group_and_multi_path(tmp_path):
    text = BASE.replace(
        "  partners:\n    path: partners\n    values: [[US], [US, JP]]\n",
        "  per_plane:\n    path: constellations[0].walker.sats_per_plane\n    values: [5, 6]\n    group: shape\n"
        "  alt:\n    path: [\"constellations[0].walker.altitude_km\"]\n    values: [900, 1100]\n    group: shape\n",
    )
    camp = load_campaign(_write(tmp_path, text))
    assert len(camp.points) == 2 * 2
    w = camp.scenario(camp.points[-1]).constellations[0].walker
    assert (w.planes, w.sats_per_plane, w.altitude_km) == (4, 6, 1100)


def test_latin_hypercube_samples(tmp_path):
    """Each of the n equal strata of every sampled range holds exactly one sample (the
    defining property of a Latin hypercube); integer ranges cover their bounds."""
    n = 12
    text = BASE.replace(
        "  partners:\n    path: partners\n    values: [[US], [US, JP]]\n",
        "  fov:\n    path: constellations[0].sensor.field_of_regard_deg\n    range: [100, 130]\n"
        "  per_plane:\n    path: constellations[0].walker.sats_per_plane\n    range: [4, 9]\n    integer: true\n",
    ) + f"samples: {{method: lhs, n: {n}}}\n"
    camp = load_campaign(_write(tmp_path, text))
    assert len(camp.points) == 2 * n
    fov = np.array([p.values["fov"] for p in camp.points if p.values["planes"] == 3])
    strata = np.floor((fov - 100.0) / 30.0 * n).astype(int)
    assert sorted(strata.tolist()) == list(range(n))
    per_plane = [p.values["per_plane"] for p in camp.points]
    assert all(isinstance(v, int) for v in per_plane) and set(per_plane) == set(range(4, 10))
    again = load_campaign(_write(tmp_path, text, "again.yaml"))
    assert [p.key for p in again.points] == [p.key for p in camp.points]
    other = load_campaign(_write(tmp_path, text.replace("seed: 3", "seed: 4"), "other.yaml"))
    assert [p.values["fov"] for p in other.points] != [p.values["fov"] for p in camp.points]


def test_invalid_point_is_not_a_campaign_error(tmp_path):
    camp = load_campaign(_write(tmp_path, BASE.replace("values: [3, 4]", "values: [3, 0]")))
    bad = [p for p in camp.points if p.values["planes"] == 0]
    with pytest.raises(Exception) as info:
        camp.scenario(bad[0])
    assert "constellations[0].walker.planes" in str(info.value) and "point 2 (planes=0, partners=US)" in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("walker.planes", "walker.plane", "camp.yaml: parameters.planes.path: 'plane' is not a field of constellations[0].walker (fields: planes,"),
        ("constellations[0]", "constellations[3]", "camp.yaml: parameters.planes.path: constellations has 1 item(s); index 3 does not exist"),
        ("values: [3, 4]", "values: []", "camp.yaml: parameters.planes.values: List should have at least 1 item"),
        ("values: [3, 4]", "values: [3, 3]", "camp.yaml: parameters.planes: values repeat: 3"),
        ("values: [3, 4]", "range: [3, 4]", "camp.yaml: parameters ['planes'] give a range: add samples"),
        ("[US, JP]]", "[US, KR]]", "camp.yaml: parameters.partners.values: nations ['KR'] are not in the scenario's nations"),
        ("scenario: smoke", "scenario: nowhere.yaml", "camp.yaml: scenario: 'nowhere.yaml' is neither a file next to the campaign nor a built-in"),
        ("duration_s: 300", "duration_z: 300", "camp.yaml: overrides.duration_z: 'duration_z' is not a field of the scenario"),
        ("duration_s: 300", "duration_s: -3", "camp.yaml (scenario with overrides): duration_s: Input should be greater than 0"),
        ("repetitions: 2", "repetitions: 0", "camp.yaml: repetitions: Input should be greater than or equal to 1"),
        ("seed: 3", "seed: 3\nsed: 4", "camp.yaml: sed: unknown field"),
        ("  planes:\n", "  run_key:\n", "camp.yaml: parameters: parameter names ['run_key'] are taken by result columns"),
    ],
)
def test_bad_campaigns_name_file_field_and_problem(tmp_path, old, new, expected):
    assert old in BASE
    path = _write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    assert any(expected.replace("camp.yaml", str(path), 1) in line for line in info.value.lines), info.value.lines
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--dry-run"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_cli_rejects_bad_arguments(tmp_path):
    path = _write(tmp_path, BASE)
    both = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert both.exit_code == 2 and "exclude each other" in both.output
    negative = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "-1"])
    assert negative.exit_code == 2
    missing = runner.invoke(app, ["sweep", "no-such-campaign", "--out", str(tmp_path / "o")])
    assert missing.exit_code == 2 and "not a built-in campaign (built-ins: opir-for, tranche-partners" in missing.output
    dry = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o"), "--dry-run"])
    assert dry.exit_code == 0 and "4 design point(s) x 2 repetition(s) = 8 runs" in dry.output
    listed = runner.invoke(app, ["campaigns"])
    assert listed.exit_code == 0 and "tranche-partners" in listed.output
