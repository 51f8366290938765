"""Ballistic missiles: the minimum-energy trajectory against its closed form, Kepler time of
flight against numerical integration of the two-body problem, and the flown truth against
an independent integration on the rotating Earth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from tracklayer.earth.constants import DEG, MU_EARTH_M3_S2, R_EARTH_MEAN_M
from tracklayer.earth.frames import ecef_to_geodetic, eci_to_ecef, geodetic_to_ecef, great_circle
from tracklayer.earth.time import TimeGrid
from tracklayer.threats import BOOST, COAST, TERMINAL
from tracklayer.threats.ballistic import burnout_state, fly_ballistic, minimum_energy_gamma, speed_parameter, time_of_flight_s

MU = MU_EARTH_M3_S2


@pytest.mark.parametrize("psi_deg", [2.0, 10.0, 30.0, 60.0, 90.0, 135.0, 170.0])
def test_minimum_energy_equal_radii_closed_form(psi_deg):
    """For r1 = r2 the minimum-energy burnout satisfies sin(Psi/2) = nu/(2 - nu) and
    gamma = (pi - Psi)/4 (Bate, Mueller & White 1971, Sec. 6.2; DOMAIN.md Sec. 2):
    gamma within 1e-6 rad, nu within 1e-12."""
    psi = np.radians(psi_deg)
    gamma, nu = minimum_energy_gamma(psi, 6.5e6, 6.5e6)
    s = np.sin(psi / 2)
    assert abs(gamma - (np.pi - psi) / 4) < 1e-6
    assert abs(nu - 2 * s / (1 + s)) < 1e-12


def test_minimum_energy_unequal_radii_is_the_minimum():
    """r1 != r2 (burnout 200 km above the target radius): the returned nu is the minimum of
    speed_parameter over a dense grid of gamma (to 1e-9 relative), at the same gamma
    (to 1e-4 rad), and it is below the equal-radii value (burning out higher helps)."""
    psi, r1, r2 = np.radians(40.0), 6.571e6, 6.371e6
    gamma, nu = minimum_energy_gamma(psi, r1, r2)
    grid = np.linspace(1e-3, np.pi / 2 - 1e-3, 200001)
    nus = speed_parameter(grid, psi, r1, r2)
    nus = np.where(nus > 0, nus, np.inf)
    assert nu == pytest.approx(nus.min(), rel=1e-9)
    assert abs(gamma - grid[np.argmin(nus)]) < 1e-4
    assert nu < minimum_energy_gamma(psi, r1, r1)[1]


def _impact_by_integration(r0, v0, r_target, t_max=5000.0):
    """Integrate r'' = -mu r/|r|^3 (DOP853, rtol 1e-11) until |r| falls to r_target."""

    def rhs(_, y):
        return np.concatenate([y[3:], -MU * y[:3] / np.linalg.norm(y[:3]) ** 3])

    def ground(_, y):
        return np.linalg.norm(y[:3]) - r_target

    ground.terminal, ground.direction = True, -1
    sol = solve_ivp(rhs, (0.0, t_max), np.concatenate([r0, v0]), method="DOP853", rtol=1e-11, atol=1e-6, events=ground)
    assert sol.status == 1, "never came down"
    return sol.t_events[0][0], sol.y_events[0][0][:3]


@pytest.mark.parametrize("psi_deg", [5.0, 20.0, 45.0, 90.0])
def test_time_of_flight_vs_numerical_integration(psi_deg):
    """Minimum-energy burnout 200 km up, aimed at a point on a 6,371 km sphere Psi away
    (non-rotating): integrating the two-body problem from burnout until the radius returns
    to 6,371 km gives the same time of flight within 0.5 s and lands within 100 m of the
    aim point (range angle within 1.6e-5 rad)."""
    psi = np.radians(psi_deg)
    r_bo = np.array([6.571e6, 0.0, 0.0])
    aim = 6.371e6 * np.array([np.cos(psi), np.sin(psi) * np.cos(0.4), np.sin(psi) * np.sin(0.4)])
    v_bo, _, psi_out = burnout_state(r_bo, aim)
    assert psi_out == pytest.approx(psi, abs=1e-12)
    tof = time_of_flight_s(r_bo, v_bo, psi)
    t_hit, r_hit = _impact_by_integration(r_bo, v_bo, 6.371e6)
    assert abs(tof - t_hit) < 0.5
    assert np.linalg.norm(r_hit - aim) < 100.0


def _miss_and_altitude(flight, grid, aim_deg):
    theta = grid.gmst_rad(flight.t_s)
    _, _, alt = ecef_to_geodetic(eci_to_ecef(flight.r_eci_m, theta))
    imp = eci_to_ecef(flight.impact_r_eci_m, grid.gmst_rad(np.array([flight.impact_t_s]))[0])
    lat, lon, _ = ecef_to_geodetic(imp)
    angle, _ = great_circle(lat, lon, aim_deg[0] * DEG, aim_deg[1] * DEG)
    return float(angle) * R_EARTH_MEAN_M, alt


CASES = [
    # launch, aim, burn time s, burnout altitude m, burnout downrange m (notional)
    ((39.0, 125.7), (34.15, 132.24), 90.0, 80e3, 60e3),  # ~1,000 km, smoke.yaml BM-1
    ((40.0, 127.0), (13.58, 144.92), 180.0, 200e3, 150e3),  # ~3,500 km, to Guam
    ((39.0, 125.7), (47.6, -122.3), 240.0, 300e3, 250e3),  # ~8,000 km, ICBM class
]


@pytest.mark.parametrize("launch, aim, burn, bo_alt, bo_down", CASES)
def test_fly_ballistic_hits_aim_on_rotating_earth(launch, aim, burn, bo_alt, bo_down):
    """fly_ballistic on the rotating Earth: the impact point is within 100 m of the aim
    point (measured < 1 mm), the flown altitude never goes below -1 m, phases run
    boost -> coast -> terminal in order, and the first sample is the pad at launch time.

    Independent check of the coast: integrating two-body motion (solve_ivp) from the first
    coast sample until the radius falls to the aim point's geocentric radius gives an
    impact time within 0.5 s of impact_t_s and a point within 100 m of the aim point
    rotated to ECI at that time (so the Earth-rotation fixed point is right)."""
    grid = TimeGrid.uniform(dt.datetime(2026, 3, 15, tzinfo=dt.timezone.utc), 3000.0, 1.0)
    t_launch = 30.0
    f = fly_ballistic(grid, launch, aim, t_launch, burn, bo_alt, bo_down)
    miss, alt = _miss_and_altitude(f, grid, aim)
    assert miss < 100.0
    assert alt.min() >= -1.0
    assert f.t_s[0] == t_launch and abs(alt[0]) < 1.0
    assert np.all(np.diff(f.phase) >= 0)
    assert f.phase[0] == BOOST and f.phase[-1] == TERMINAL and np.any(f.phase == COAST)
    np.testing.assert_array_equal(f.phase == BOOST, f.t_s <= t_launch + burn)
    assert f.t_s[-1] <= f.impact_t_s < f.t_s[-1] + grid.t_s[1]

    k = np.argmax(f.phase == COAST)
    aim_ecef = geodetic_to_ecef(np.array(aim[0] * DEG), np.array(aim[1] * DEG), np.array(0.0))
    t_hit, r_hit = _impact_by_integration(f.r_eci_m[k], f.v_eci_m_s[k], np.linalg.norm(aim_ecef))
    assert abs(f.t_s[k] + t_hit - f.impact_t_s) < 0.5
    r_hit_ecef = eci_to_ecef(r_hit, grid.gmst_rad(np.array([f.t_s[k] + t_hit]))[0])
    assert np.linalg.norm(r_hit_ecef - aim_ecef) < 100.0


def test_fly_ballistic_is_continuous():
    """No jumps where the boost arc meets the coast: consecutive 1 s samples are never
    further apart than the larger of the two speeds times 1 s (+1 %), and the speed changes
    by less than 100 m/s per second (~10 g) anywhere."""
    grid = TimeGrid.uniform(dt.datetime(2026, 3, 15, tzinfo=dt.timezone.utc), 1500.0, 1.0)
    f = fly_ballistic(grid, (40.0, 127.0), (13.58, 144.92), 10.0, 180.0, 200e3, 150e3)
    step = np.linalg.norm(np.diff(f.r_eci_m, axis=0), axis=1)
    speed = np.linalg.norm(f.v_eci_m_s, axis=1)
    assert np.all(step <= 1.01 * np.maximum(speed[1:], speed[:-1]))
    assert np.max(np.abs(np.diff(speed))) < 100.0
