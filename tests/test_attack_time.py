"""The attack offset: threats launch at ``epoch + attack_offset_s`` while the
constellations' elements stay defined at the scenario epoch."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.earth.constants import DEG, WGS84_A_M
from tracklayer.earth.frames import eci_to_ecef
from tracklayer.earth.time import TimeGrid
from tracklayer.errors import ScenarioError
from tracklayer.orbits.propagators import propagate_j2_mean
from tracklayer.orbits.walker import walker_elements
from tracklayer.pipeline import simulate
from tracklayer.scenario.loader import load_scenario, parse_scenario

OFFSET_S = 20_000.37  # not a multiple of the step, the orbit period or the day


def _physics(scn):
    return simulate(scn, 7, lambda *a, **k: None, {})


@pytest.fixture(scope="module")
def smoke():
    return load_scenario("smoke")


@pytest.fixture(scope="module")
def shifted(smoke):
    data = smoke.model_dump(mode="json")
    data["attack_offset_s"] = OFFSET_S
    return parse_scenario(data, "shifted")


def test_attack_epoch(smoke, shifted):
    assert smoke.attack_epoch == smoke.epoch
    assert (shifted.attack_epoch - shifted.epoch).total_seconds() == pytest.approx(OFFSET_S, abs=1e-6)


def test_offset_moves_satellites_as_propagating_their_elements(smoke, shifted):
    """At every threat's launch the satellites' ECEF positions are those of the scenario's
    Walker elements propagated directly to epoch + offset + launch time, rotated with the
    Earth's orientation at that moment; the threats fly the same ground track."""
    base, moved = _physics(smoke), _physics(shifted)
    w = smoke.constellations[0].walker
    el = walker_elements(w.planes, w.sats_per_plane, w.phasing, w.inclination_deg * DEG, WGS84_A_M + w.altitude_km * 1e3,
                         w.eccentricity, w.raan0_deg * DEG, w.pattern)
    offset = (shifted.attack_epoch - smoke.epoch).total_seconds()
    grid = moved.grid
    for threat in smoke.threats:
        k = int(np.searchsorted(grid.t_s, threat.launch_time_s))
        t_direct = np.array([offset + grid.t_s[k]])
        r_direct, _ = propagate_j2_mean(el, t_direct)
        theta = TimeGrid(smoke.epoch, t_direct).gmst_rad()
        expected = eci_to_ecef(r_direct[0], np.full(len(el["a_m"]), theta[0]))
        got = eci_to_ecef(moved.sats.r_eci_m[k], np.full(len(el["a_m"]), grid.gmst_rad()[k]))
        np.testing.assert_allclose(got, expected, rtol=0, atol=0.05)  # metres
        unshifted = eci_to_ecef(base.sats.r_eci_m[k], np.full(len(el["a_m"]), base.grid.gmst_rad()[k]))
        assert np.abs(got - unshifted).max() > 1e5  # the geometry did change
    # the threats launch from the same sites at the same times after the attack epoch
    flying = base.truth.flying
    np.testing.assert_array_equal(flying, moved.truth.flying)
    r0 = eci_to_ecef(base.truth.r_eci_m[flying], np.broadcast_to(base.grid.gmst_rad()[:, None], flying.shape)[flying])
    r1 = eci_to_ecef(moved.truth.r_eci_m[flying], np.broadcast_to(grid.gmst_rad()[:, None], flying.shape)[flying])
    np.testing.assert_allclose(r1, r0, rtol=0, atol=1e-3)


def test_same_seed_and_offset_give_identical_physics(shifted):
    a, b = _physics(shifted), _physics(shifted)
    np.testing.assert_array_equal(a.sats.r_eci_m, b.sats.r_eci_m)
    for name in a.sensing.detections.columns:
        np.testing.assert_array_equal(a.sensing.detections[name], b.sensing.detections[name])


@pytest.mark.parametrize("value", [-1.0, 400 * 86400.0])
def test_offset_out_of_range_is_a_scenario_error(smoke, value):
    data = smoke.model_dump(mode="json")
    data["attack_offset_s"] = value
    with pytest.raises(ScenarioError, match="attack_offset_s"):
        parse_scenario(data, "bad.yaml")
