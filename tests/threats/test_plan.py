"""Threats in scenario files: presets and overrides, boost descriptions hit directly, and bad
or unreachable threats reported as `FILE: threats[i].field: problem` with exit status 2."""

from __future__ import annotations

import numpy as np
import pytest
from threat_helpers import D
from typer.testing import CliRunner

from tracklayer.cli import app
from tracklayer.threats import aero
from tracklayer.threats.batch import GUIDE_GLIDE, Lattice
from tracklayer.threats.boost import burnout_conditions, fly_boosts, rocket_preset, solve_boost
from tracklayer.threats.mission import Mission

HEADER = """name: t
epoch: 2026-03-15T00:00:00Z
duration_s: 900
nations: [{id: US, name: United States}]
radars:
  - {name: R, nation: US, site: {lat_deg: 35, lon_deg: 135}, max_range_km: 1000}
threats:
"""


def _validate(tmp_path, threats: str):
    path = tmp_path / "scn.yaml"
    path.write_text(HEADER + threats)
    result = CliRunner().invoke(app, ["validate", str(path)])
    return result.exit_code, result.output


def test_boost_hits_published_style_burnout_description():
    """'Burnout at 5.5 km/s, 6 deg above the horizon, 70 km up' (and two others) is hit by the
    pitch-over, the cut-off and the burn-time scale: speed within 0.05 m/s, angle within
    0.001 deg, altitude within 2 m, checked on a fresh flight of the solved controls."""
    rows, s = aero.polar_from_beta(1000.0, 13000.0, 2.6)
    ms = [Mission(D(38.0), D(113.0), D(26.0), D(128.0), 0.0, rocket_preset("hgv-regional"), 1000.0, rows, s, GUIDE_GLIDE)] * 3
    speed, gamma, alt = np.array([5500.0, 5000.0, 5200.0]), np.radians([6.0, 12.0, 0.0]), np.array([70e3, 110e3, 55e3])
    lat = Lattice(1.0, 1)
    c, ok, _ = solve_boost(ms, np.full(3, D(120.0)), speed, gamma, alt, np.ones(3), lat)
    cond = burnout_conditions(fly_boosts(ms, c, lat), ms)
    assert ok.all()
    assert np.all(np.abs(cond["speed"] - speed) < 0.05)
    assert np.all(np.abs(np.degrees(cond["gamma"] - gamma)) < 1e-3)
    assert np.all(np.abs(cond["alt"] - alt) < 2.0)


def test_valid_threats_with_overrides_and_manoeuvres(tmp_path):
    """Every documented knob parses and flies: explicit stages, burn time, lofted trajectory,
    per-band plume, RCS per phase, CAV-H with a weave, a dog-leg, waypoints, rotation off."""
    threats = """  - name: A
    kind: ballistic
    preset: irbm
    trajectory: lofted
    loft_deg: 8
    burn_time_s: 150
    plume_band_kw_sr: {dsp: 200}
    rcs_m2: {boost: 5}
    launch: {lat_deg: 40.5, lon_deg: 127.5}
    aim: {lat_deg: 35.0, lon_deg: 139.0}
  - name: B
    kind: ballistic
    booster: {stages: [{propellant_kg: 9000, dry_kg: 1000, isp_s: 260, burn_time_s: 60}, {propellant_kg: 3000, dry_kg: 400, isp_s: 285, burn_time_s: 50}]}
    payload_kg: 700
    launch: {lat_deg: 39.0, lon_deg: 125.7}
    aim: {lat_deg: 34.15, lon_deg: 132.24}
    earth_rotation: false
  - name: C
    kind: hgv
    preset: cav-h
    weave: {amplitude_deg: 15, period_s: 240}
    launch: {lat_deg: 38.0, lon_deg: 113.0}
    aim: {lat_deg: 26.35, lon_deg: 127.77}
  - name: D
    kind: hgv
    preset: cl2022
    dogleg: {offset_km: 100}
    burnout_altitude_km: 80
    launch: {lat_deg: 38.0, lon_deg: 113.0}
    aim: {lat_deg: 26.35, lon_deg: 127.77}
  - name: E
    kind: hgv
    waypoints: [{lat_deg: 30.0, lon_deg: 121.0}]
    signature: cl2022
    launch: {lat_deg: 38.0, lon_deg: 113.0}
    aim: {lat_deg: 26.35, lon_deg: 127.77}
"""
    code, output = _validate(tmp_path, threats)
    assert code == 0, output


@pytest.mark.parametrize("threat, expected", [
    ("  - {name: A, kind: ballistic, preset: srbm, launch: {lat_deg: 39, lon_deg: 125.7}, aim: {lat_deg: 13.5, lon_deg: 144.9}}\n",
     "scn.yaml: threats[0].aim: out of reach: the aim is 3,405 km away; booster 'srbm' with a 1,000 kg re-entry vehicle reaches at most about"),
    ("  - {name: B, kind: hgv, preset: cl2022, launch: {lat_deg: 28, lon_deg: 118}, aim: {lat_deg: 47.6, lon_deg: -122.3}}\n",
     "scn.yaml: threats[0].aim: out of reach: the aim is 9,678 km away; at the booster's best burnout speed"),
    ("  - {name: C, kind: hgv, burnout_speed_m_s: 3000, launch: {lat_deg: 28, lon_deg: 118}, aim: {lat_deg: 13.58, lon_deg: 144.92}}\n",
     "scn.yaml: threats[0].burnout_speed_m_s: at 3,000 m/s the glide falls about"),
    ("  - {name: D, kind: hgv, lift_to_drag: -1, launch: {lat_deg: 28, lon_deg: 118}, aim: {lat_deg: 30, lon_deg: 125}}\n",
     "scn.yaml: threats[0].lift_to_drag: Input should be greater than 0"),
    ("  - {name: E, kind: ballistic, payload_kg: -5, launch: {lat_deg: 28, lon_deg: 118}, aim: {lat_deg: 30, lon_deg: 125}}\n",
     "scn.yaml: threats[0].payload_kg: Input should be greater than 0"),
    ("  - {name: F, kind: ballistic, burn_time_s: 400, launch: {lat_deg: 28, lon_deg: 118}, aim: {lat_deg: 30, lon_deg: 125}}\n",
     "scn.yaml: threats[0].burn_time_s: lift-off thrust-to-weight 0.79 is below 1.1"),
    ("  - {name: G, kind: hgv, burnout_altitude_km: 80, burn_time_s: 100, launch: {lat_deg: 28, lon_deg: 118}, aim: {lat_deg: 30, lon_deg: 125}}\n",
     "scn.yaml: threats[0]: give burnout_altitude_km or burn_time_s, not both"),
])
def test_bad_threats_name_file_field_and_what_is_reachable(tmp_path, threat, expected):
    """One line per problem, naming the file, the threat's field and (for an aim out of reach)
    how far the threat can fly; exit status 2, no traceback."""
    code, output = _validate(tmp_path, threat)
    assert code == 2
    assert expected in output.replace("\n", " ") or expected in output, output
    assert "Traceback" not in output


def test_icbm_preset_flies_intercontinental_range(tmp_path):
    """The `icbm` preset (Minuteman III-class, single re-entry vehicle) reaches intercontinental
    range: open sources give more than 6,000 miles (9,656 km, USAF fact sheet) to about 13,000 km.
    Aimed from the Korean peninsula at Washington (11,049 km), it is planned (validate exits 0:
    `plan_threats` refuses a plan that lands more than 1 km from its aim), flown on the rotating
    Earth with J2 and re-entry drag, and lands within 1 km of the aim after more than 10,000 km;
    with the former 1,150 kg payload it reached at most about 8,100 km on that azimuth."""
    from tracklayer.earth.constants import R_EARTH_MEAN_M
    from tracklayer.earth.frames import great_circle
    from tracklayer.earth.time import TimeGrid
    from tracklayer.scenario.loader import load_scenario
    from tracklayer.threats.fly import fly_threats

    threat = "  - {name: ICBM, kind: ballistic, preset: icbm, launch: {lat_deg: 39.0, lon_deg: 125.7}, aim: {lat_deg: 38.9, lon_deg: -77.0}}\n"
    code, output = _validate(tmp_path, threat)
    assert code == 0, output
    scn = load_scenario(tmp_path / "scn.yaml")
    truth = fly_threats(scn.threats, TimeGrid.uniform(scn.epoch, scn.duration_s, scn.step_s))
    angle, _ = great_circle(D(39.0), D(125.7), truth.impact_lat_rad[0], truth.impact_lon_rad[0])
    assert float(angle) * R_EARTH_MEAN_M > 10_000e3
    assert truth.miss_m[0] < 1000.0
