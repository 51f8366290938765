"""Scenario validation: every bad input gets one clear line naming file, field and problem,
and `tracklayer validate` exits with status 2 without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracklayer.cli import app
from tracklayer.scenario.loader import ScenarioError, builtin_names, builtin_path, format_location, load_scenario

runner = CliRunner()
SMOKE = builtin_path("smoke").read_text()
WALKER = "walker: {planes: 4, sats_per_plane: 7, phasing: 1, altitude_km: 1000, inclination_deg: 80}"


def _write(tmp_path: Path, text: str, name: str = "scn.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _validate(path: Path | str):
    result = runner.invoke(app, ["validate", str(path)])
    return result.exit_code, result.output


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenarios_are_valid(name):
    scn = load_scenario(name)
    assert scn.name == name
    assert scn.threats


def test_default_scenario_matches_the_brief():
    """indo-pacific: 4 x 7 Walker at ~1,000 km / ~80 deg, the named radars with their
    nations, >= 2 ballistic and >= 2 HGV threats minutes apart, 30-45 min, 1 s step."""
    scn = load_scenario("indo-pacific")
    w = scn.constellations[0].walker
    assert (w.planes, w.sats_per_plane) == (4, 7)
    assert abs(w.altitude_km - 1000) <= 100 and abs(w.inclination_deg - 80) <= 5
    names = " ".join(r.name for r in scn.radars)
    for needle in ("Shariki", "Kyogamisaki", "Ominato", "Guam", "Cobra Dane", "JORN"):
        assert needle in names
    assert {r.nation for r in scn.radars} == {"US", "JP", "AU"}
    kinds = [t.kind for t in scn.threats]
    assert kinds.count("ballistic") >= 2 and kinds.count("hgv") >= 2
    launches = sorted(t.launch_time_s for t in scn.threats)
    assert all(b - a >= 60 for a, b in zip(launches, launches[1:]))
    assert 1800 <= scn.duration_s <= 2700 and scn.step_s == 1.0


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("duration_s: 900", "duration_s: -5", "scn.yaml: duration_s: Input should be greater than 0"),
        ("    preset: cl2022", "    preset: cl2022\n    lift_to_drg: 2", "scn.yaml: threats[1].lift_to_drg: unknown field"),
        ("epoch: 2026-03-15T00:00:00Z\n", "", "scn.yaml: epoch: missing required field"),
        ("max_range_km: 1200", "max_range_km: far", "scn.yaml: radars[0].max_range_km: Input should be a valid number"),
        ("lat_deg: 39.0", "lat_deg: 99.0", "scn.yaml: threats[0].launch.lat_deg: Input should be less than or equal to 90"),
        ("    preset: cl2022", "    preset: cl2022\n    lift_to_drag: 0", "scn.yaml: threats[1].lift_to_drag: Input should be greater than 0"),
        ("    preset: cl2022", "    preset: nope", "scn.yaml: threats[1].preset: Input should be 'tw2020', 'cl2022' or 'cav-h'"),
        ("nation: JP", "nation: KR", "nation 'KR' is not among nations"),
        ("kind: ballistic", "kind: cruise", "scn.yaml: threats[0]: Input tag 'cruise' found using 'kind' does not match"),
        (WALKER, WALKER + "\n    sensor: {preset: xfov}", "scn.yaml: constellations[0].sensor.preset: Input should be 'wfov', 'mfov', 'geo-scan', 'geo-stare' or 'heo-scan'"),
        (WALKER, WALKER + "\n    sensor: {band_um: [3.0, 1.4]}", "scn.yaml: constellations[0].sensor.band_um: band_um: the lower edge 3.0 must be below the upper edge 1.4"),
        (WALKER, WALKER + "\n    sensor: {preset: geo-scan, scan_period_s: 0}", "scn.yaml: constellations[0].sensor.scan_period_s: Input should be greater than 0"),
        (WALKER, WALKER + "\n    sensor: {preset: geo-scan, scan_dwell_s: 20}", "scn.yaml: constellations[0].sensor: scan_dwell_s 20 exceeds scan_period_s 10"),
        (WALKER, WALKER + "\n    sensor: {field_of_regard: for-100}", "scn.yaml: constellations[0].sensor.field_of_regard: Input should be 'for-110' or 'for-120'"),
        (WALKER, "geostationary: {longitudes_deg: []}", "scn.yaml: constellations[0].geostationary.longitudes_deg: List should have at least 1 item"),
        (WALKER, "molniya: {eccentricity: 1.2, raan_deg: [0], mean_anomaly_deg: [0]}", "scn.yaml: constellations[0].molniya.eccentricity: Input should be less than 1"),
        (WALKER, WALKER + "\n    sensor: {cueing: {from: tracks}}", "scn.yaml: constellations[0].sensor: cueing needs a pointed sensor"),
        (WALKER, WALKER + "\n    sensor: {preset: mfov, cueing: {from: truth}}", "scn.yaml: constellations[0].sensor.cueing.from: Input should be 'tracks'"),
        (WALKER, WALKER + "\n    sensor: {preset: mfov, cueing: {latency_s: -1}}", "scn.yaml: constellations[0].sensor.cueing.latency_s: Input should be greater than or equal to 0"),
        (WALKER, WALKER + "\n    sensor: {preset: mfov, cueing: {dwell_s: 2}}", "scn.yaml: constellations[0].sensor: cueing.dwell_s 2 exceeds the frame time revisit_s 1"),
        (WALKER, WALKER + "\n    sensor: {preset: mfov, cueing: {sources: [nope]}}", "constellations 'tracking-layer': sensor.cueing.sources: 'nope' is not a constellation or radar"),
        (WALKER, WALKER + "\n    sensor: {preset: mfov, cueing: {sources: [tracking-layer]}}", "sensor.cueing.sources: 'tracking-layer' is itself track-cued"),
        (WALKER, WALKER + "\n    sensor: {pfa_limb: 0.7}", "scn.yaml: constellations[0].sensor.pfa_limb: Input should be less than 0.5"),
        ("    max_range_km: 1200", "    max_range_km: 1200\n    motion: {course_deg: 90, speed_kn: 100}", "scn.yaml: radars[0].motion.speed_kn: Input should be less than or equal to 60"),
        ("    max_range_km: 1200", "    max_range_km: 1200\n    swerling: 2", "scn.yaml: radars[0].swerling: Input should be 0 or 1"),
        ("seed: 7", "seed: 7\ncoverage: {lat_min_deg: 50, lat_max_deg: 10}", "scn.yaml: coverage: lat_min_deg must be smaller than lat_max_deg"),
        ("seed: 7", "seed: 7\ncoverage: {targets: [{name: a, altitude_km: 40, intensity_kw_sr: 0}]}", "scn.yaml: coverage.targets[0].intensity_kw_sr: Input should be greater than 0"),
        ("name: smoke", "name: smoke\ntracker: {filter: kalman}", "scn.yaml: tracker.filter: Input should be 'ekf', 'ukf' or 'ckf'"),
        ("name: smoke", "name: smoke\ntracker: {motion: {model: singer, tau_s: -1}}", "scn.yaml: tracker.motion.singer.tau_s: Input should be greater than 0"),
        ("name: smoke", "name: smoke\ntracker: {imm: {models: [{model: cv}, {model: glide}], sojourn_s: [10]}}", "scn.yaml: tracker.imm: sojourn_s needs one value per model (2)"),
        ("name: smoke", "name: smoke\ntracker: {association: pda}", "scn.yaml: tracker.association: Input should be 'gnn' or 'jpda'"),
    ],
)
def test_bad_values_name_file_field_and_problem(tmp_path, old, new, expected):
    assert old in SMOKE
    path = _write(tmp_path, SMOKE.replace(old, new, 1))
    code, output = _validate(path)
    assert code == 2
    assert expected in output
    assert "Traceback" not in output
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert any(expected in line for line in info.value.lines)


def test_malformed_yaml_names_line_and_column(tmp_path):
    path = _write(tmp_path, "name: x\n  bad: [1, 2\n")
    code, output = _validate(path)
    assert code == 2
    assert "scn.yaml: line 2, column 6: malformed YAML" in output


def test_duplicate_yaml_keys_are_rejected(tmp_path):
    path = _write(tmp_path, SMOKE.replace("seed: 7", "seed: 7\nseed: 8"))
    code, output = _validate(path)
    assert code == 2 and "duplicate key 'seed'" in output


def test_not_a_mapping(tmp_path):
    code, output = _validate(_write(tmp_path, "- 1\n- 2\n"))
    assert code == 2 and "must hold a mapping" in output


def test_missing_file_lists_builtins(tmp_path):
    code, output = _validate(tmp_path / "nope.yaml")
    assert code == 2
    assert "nope.yaml: no such file" in output and "indo-pacific" in output


def test_exactly_one_orbit_source(tmp_path):
    text = SMOKE.replace(
        "    walker: {planes: 4, sats_per_plane: 7, phasing: 1, altitude_km: 1000, inclination_deg: 80}",
        "    walker: {planes: 4, sats_per_plane: 7, phasing: 1, altitude_km: 1000, inclination_deg: 80}\n"
        "    elements: [{altitude_km: 1000, inclination_deg: 80}]",
    )
    code, output = _validate(_write(tmp_path, text))
    assert code == 2 and "constellations[0]: give exactly one of walker, geostationary, molniya, elements, tle, tle_file, omm or omm_file (got walker, elements)" in output


def test_bad_tle_is_reported(tmp_path):
    text = SMOKE.replace(
        "    walker: {planes: 4, sats_per_plane: 7, phasing: 1, altitude_km: 1000, inclination_deg: 80}",
        "    tle: ['1 25544U garbage', '2 25544 garbage']",
    )
    code, output = _validate(_write(tmp_path, text))
    assert code == 2 and "constellations[0].tle" in output


def test_every_problem_is_listed(tmp_path):
    text = SMOKE.replace("duration_s: 900", "duration_s: -5").replace("max_range_km: 1200", "max_range_km: -1", 1)
    code, output = _validate(_write(tmp_path, text))
    lines = [ln for ln in output.splitlines() if ln.startswith("error:")]
    assert code == 2 and len(lines) == 2


def test_format_location_drops_union_tags():
    assert format_location(("threats", 2, "hgv", "aim", "lat_deg")) == "threats[2].aim.lat_deg"
    assert format_location(("radars", 0, "site")) == "radars[0].site"


def test_infrared_sensor_fields_resolve_through_the_preset():
    """A field left out takes the preset's value; an explicit one wins; the constant
    overrides stay None unless given."""
    from tracklayer.scenario.schema import InfraredSensor

    wide = InfraredSensor()
    assert wide.value("ifov_urad") == 750.0 and wide.value("field_of_view_deg") == 120.0 and wide.pd is None
    medium = InfraredSensor(preset="mfov", ifov_urad=40.0)
    assert medium.value("ifov_urad") == 40.0 and medium.value("field_of_view_deg") == 4.0
    assert medium.value("max_targets_per_frame") == 4
