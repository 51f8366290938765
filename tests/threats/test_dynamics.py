"""The flight kernel: numba against its NumPy reference, gravity against the J2 potential,
the density table against USSA-1976, step-halving convergence, and chunking."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import pytest
from threat_helpers import D, ballistic_mission

from tracklayer.earth.atmosphere import TABLE_SPLIT_M, flight_tables, table_lookup, ussa1976
from tracklayer.earth.constants import J2_EARTH, MU_EARTH_M3_S2, WGS84_A_M
from tracklayer.earth.frames import ecef_to_geodetic
from tracklayer.threats import aero
from tracklayer.threats.batch import N_PARAMS, P_J2, R_END_X, Lattice, fly_batch
from tracklayer.threats.boost import rocket_preset
from tracklayer.threats.dynamics import accel_numpy, altitude_numpy, flight_numpy
from tracklayer.threats.glide import target_glide
from tracklayer.threats.mission import Controls, Mission, launch_batch
from tracklayer.threats.presets import AERO_TABLES


def _mixed_missions():
    rows, s = aero.polar_from_beta(1000.0, 13000.0, 2.6)
    table = aero.polar_from_table(AERO_TABLES["cav-h"])
    glide = Mission(D(38.0), D(113.0), D(26.35), D(127.77), 30.5, rocket_preset("hgv-regional"), 1000.0, rows, s, 1)
    return [
        glide,
        replace(glide, weave_rad=D(15.0), weave_period_s=150.0, t_launch_s=12.25),
        replace(glide, polar=table, s_ref_m2=0.48387, payload_kg=907.0, waypoints=((D(31.0), D(121.0)),)),
        replace(glide, rotation=False, j2=False, spherical=True),
        ballistic_mission("irbm", (40.5, 127.5), (13.58, 144.92), 8000.0, 800.0),
    ]


def _controls(n):
    return Controls(np.radians([120.0, 121.0, 122.0, 119.0, 140.0])[:n], np.radians([45.0, 44.0, 46.0, 45.0, 30.0])[:n],
                    np.array([120.0, 125.0, 118.0, np.inf, 110.0])[:n], np.array([1.0, 1.1, 0.95, 1.0, 1.0])[:n])


def _fly_with(engine_name, missions, controls, lattice, k_out=1300, rows_per_task=2):
    os.environ["TRACKLAYER_ENGINE"] = engine_name
    from tracklayer.kernels import engine

    engine.cache_clear()
    try:
        b = launch_batch(missions, controls, lattice)
        ox = np.full((k_out, len(missions), 6), np.nan)
        ph = np.full((k_out, len(missions)), -1, dtype=np.int8)
        for k0 in range(0, k_out, 350):  # time chunks
            k1 = min(k0 + 350, k_out)
            fly_batch(b, lattice, (k1 - 1.0) * lattice.step_s, k0, k1 - k0, ox[k0:k1], ph[k0:k1], rows_per_task=rows_per_task)
        fly_batch(b, lattice, 20000.0)
        return b, ox, ph
    finally:
        os.environ.pop("TRACKLAYER_ENGINE", None)
        engine.cache_clear()


def test_numba_kernel_equals_numpy_reference_to_the_bit():
    """A mixed batch (boosts with stage events and cut-off, glide with weave, CAV-H tables with a
    waypoint, a non-rotating spherical case, a ballistic missile), flown in time chunks and row
    chunks on two threads: the numba kernel and the NumPy reference give identical outputs,
    records and final states (array_equal, NaN-aware), with 2 sub-steps per 2 s output step."""
    ms = _mixed_missions()
    lat = Lattice(2.0, 2)
    a = _fly_with("numba", ms, _controls(len(ms)), lat)
    b = _fly_with("numpy", ms, _controls(len(ms)), lat)
    for x, y in zip(a[1:], b[1:]):
        assert np.array_equal(x, y, equal_nan=True)
    for name in ("rec", "fstate", "istate"):
        assert np.array_equal(getattr(a[0], name), getattr(b[0], name), equal_nan=True), name
    assert np.isfinite(a[0].rec[:, R_END_X]).all()  # everything landed


def test_chunking_does_not_change_results():
    """Rows flown one per task or all in one task (rows_per_task 1 vs 8, two threads), in time
    chunks of 350 steps: identical results."""
    ms = _mixed_missions()[:3]
    lat = Lattice(1.0, 1)
    a = _fly_with("numba", ms, _controls(3), lat, rows_per_task=1)
    b = _fly_with("numba", ms, _controls(3), lat, rows_per_task=8)
    assert np.array_equal(a[1], b[1], equal_nan=True) and np.array_equal(a[0].rec, b[0].rec, equal_nan=True)


def test_gravity_is_minus_gradient_of_j2_potential(rng):
    """The kernel's gravity (no thrust, no aerodynamics, no rotation) is -grad U with
    U = -mu/r [1 - J2 (a/r)^2 (3 sin^2 phi - 1)/2], by central differences (10 m steps):
    1e-7 m/s^2 at random points from the surface to 2,000 km; the J2 part (~1e-2 m/s^2) is
    really there."""
    n = 200
    r = rng.normal(size=(n, 3))
    r *= (rng.uniform(6.36e6, 8.4e6, n) / np.linalg.norm(r, axis=1))[:, None]

    def potential(x):
        rn = np.linalg.norm(x, axis=-1)
        return -MU_EARTH_M3_S2 / rn * (1 - J2_EARTH * (WGS84_A_M / rn) ** 2 * (3 * (x[..., 2] / rn) ** 2 - 1) / 2)

    grad = np.empty_like(r)
    for k in range(3):
        dx = np.zeros(3)
        dx[k] = 10.0
        grad[:, k] = (potential(r + dx) - potential(r - dx)) / 20.0
    p = np.zeros((n, N_PARAMS))
    p[:, P_J2] = J2_EARTH
    low, high = flight_tables()
    z = np.zeros(n)
    with np.errstate(all="ignore"):
        ax, ay, az, _ = accel_numpy(p, np.zeros((n, 4, 4)), np.zeros((n, 8, 5)), np.zeros((n, 8, 3)), low, high,
                                    np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64), z, r[:, 0], r[:, 1], r[:, 2], z, z, z,
                                    np.full(n, 1000.0))
    g = np.stack([ax, ay, az], axis=1)
    np.testing.assert_allclose(g, -grad, rtol=0, atol=1e-7)
    central = -MU_EARTH_M3_S2 * r / np.linalg.norm(r, axis=1, keepdims=True) ** 3
    assert np.max(np.linalg.norm(g - central, axis=1)) > 1e-3


def test_density_table_matches_ussa1976():
    """The kernels' table (10 m steps to 150 km, then 1 km) against the closed-form model:
    density within 3e-5 relative below 150 km (3e-7 inside the layers, up to 2.5e-5 in the one
    10 m cell at each layer base where the temperature gradient jumps) and 2e-3 above; speed of
    sound within 2e-5 (1 km steps of temperature above 150 km)."""
    h = np.linspace(0.0, 999e3, 200003)
    rho, sound = table_lookup(h, *flight_tables())
    _, _, rho_ref, sound_ref = ussa1976(h)
    low = h < TABLE_SPLIT_M
    np.testing.assert_allclose(rho[low], rho_ref[low], rtol=3e-5)
    np.testing.assert_allclose(rho[~low], rho_ref[~low], rtol=2e-3)
    np.testing.assert_allclose(sound, sound_ref, rtol=2e-5)


def test_radial_altitude_is_close_to_geodetic(rng):
    """The kernel's altitude (above the ellipsoid along the geocentric radius) is within 1 m of
    the geodetic height from the surface to 150 km."""
    lat = rng.uniform(-np.pi / 2, np.pi / 2, 2000)
    lon = rng.uniform(-np.pi, np.pi, 2000)
    alt = rng.uniform(0.0, 150e3, 2000)
    from tracklayer.earth.frames import geodetic_to_ecef

    r = geodetic_to_ecef(lat, lon, alt)
    h = altitude_numpy(r[:, 0], r[:, 1], r[:, 2], np.zeros(2000))
    assert np.max(np.abs(h - ecef_to_geodetic(r)[2])) < 1.0


def test_halving_the_step_moves_the_impact_little():
    """Integrator convergence: the same controls flown with 1 s and 0.5 s RK4 steps land within
    50 m of each other for a targeted glide vehicle (measured ~1 m) and within 5 m for a
    ballistic missile (measured < 0.1 m)."""
    ms = [_mixed_missions()[0], _mixed_missions()[4]]
    lat = Lattice(1.0, 1)
    c, *_ = target_glide(ms[:1], np.array([D(8.0)]), np.array([np.nan]), np.ones(1), np.array([np.nan]), lat)
    controls = Controls.concat([c, _controls(5).take(np.array([4]))])
    ends = []
    for n_sub in (1, 2):
        lattice = Lattice(1.0, n_sub)
        b = launch_batch(ms, controls, lattice)
        fly_batch(b, lattice, 20000.0)
        ends.append(b.rec[:, R_END_X:R_END_X + 3].copy())
    moved = np.linalg.norm(ends[0] - ends[1], axis=1)
    assert moved[0] < 50.0 and moved[1] < 5.0


@pytest.mark.parametrize("engine_name", ["numpy"])
def test_reference_runs_without_warnings(engine_name):
    """The NumPy reference evaluates every branch on every row; it must do so silently."""
    ms = _mixed_missions()[:1]
    lat = Lattice(1.0, 1)
    b = launch_batch(ms, _controls(1), lat)
    flight_numpy(0, 1, 1.0, 1, 400.0, 0, 0, b.params, b.stages, b.events, b.aero, b.waypoints, *flight_tables(),
                 b.fstate, b.istate, b.rec, np.zeros((0, 1, 6)), np.zeros((0, 1), dtype=np.int8))
    assert b.fstate[0, 7] > 390.0
