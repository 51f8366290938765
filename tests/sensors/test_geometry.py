"""Infrared access geometry: the numba kernel against its NumPy reference, both against a
brute-force geodetic-altitude check along the line of sight, hand-built field-of-regard,
range and grazing cases, and a single satellite's footprint against the spherical cap."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.earth.constants import WGS84_A_M
from tracklayer.earth.frames import ecef_to_geodetic, geodetic_to_ecef
from tracklayer.kernels.access import infrared_access_kernel
from tracklayer.sensors import geometry
from tracklayer.sensors.geometry import earth_angular_radius_rad, inflated_ellipsoid, infrared_access, infrared_access_numpy, look_down_numpy


def _random_geometry(rng, n_t=4, n_s=8, n_n=250):
    """Satellites at 400-2,000 km and targets from 0 to 300 km over the whole globe (so that
    both visible and occluded pairs are common), with NaN rows for absent targets."""

    def points(shape, lo, hi):
        lat = np.arcsin(rng.uniform(-1, 1, shape))
        lon = rng.uniform(-np.pi, np.pi, shape)
        return geodetic_to_ecef(lat, lon, rng.uniform(lo, hi, shape))

    r_sat = points((n_t, n_s), 400e3, 2000e3)
    r_tgt = points((n_t, n_n), 0.0, 300e3)
    r_tgt[:, ::17] = np.nan
    half = np.radians(rng.uniform(30.0, 75.0, n_s))
    rmax = rng.uniform(2000e3, 6000e3, n_s)
    graze = rng.uniform(0.0, 50e3, n_s)
    return r_sat, r_tgt, half, rmax, graze


def _both_engines(r_sat, r_tgt, half, rmax, graze):
    a, k = inflated_ellipsoid(graze)
    out_nb = np.zeros((r_sat.shape[0], r_sat.shape[1], r_tgt.shape[1]), dtype=bool)
    out_np = np.ones_like(out_nb)
    infrared_access_kernel(r_sat, r_tgt, np.cos(half), rmax, a, k, out_nb)
    infrared_access_numpy(r_sat, r_tgt, np.cos(half), rmax, a, k, out_np)
    return out_nb, out_np


def test_kernel_matches_numpy_reference(rng):
    """numba kernel and NumPy reference give identical booleans on random geometry (a
    contract test of the two engines; NaN targets are never visible)."""
    geo = _random_geometry(rng)
    out_nb, out_np = _both_engines(*geo)
    np.testing.assert_array_equal(out_nb, out_np)
    assert 0.02 < out_nb.mean() < 0.5  # both outcomes are well represented
    assert not out_nb[:, :, ::17].any()


def test_public_entry_point_both_engines_and_chunks(rng, monkeypatch):
    """infrared_access gives the same (T, S, N) array with the numba engine and with the NumPy
    engine run in time chunks that do not divide T."""
    r_sat, r_tgt, half, rmax, graze = _random_geometry(rng, n_t=7)
    monkeypatch.setattr(geometry, "engine", lambda: "numba")
    a = infrared_access(r_sat, r_tgt, half, rmax, graze)
    monkeypatch.setattr(geometry, "engine", lambda: "numpy")
    b = infrared_access(r_sat, r_tgt, half, rmax, graze, chunk=3)
    assert a.shape == (7, 8, 250) and a.dtype == bool
    np.testing.assert_array_equal(a, b)


def test_access_vs_brute_force_geodetic_altitude(rng):
    """Brute force: a pair is visible iff range <= max, off-nadir angle <= half-angle and
    no point of the line of sight (512 samples) has a WGS 84 geodetic altitude below the
    grazing altitude. Both engines agree with it on every pair whose target is above the
    grazing altitude, except pairs within a margin of a threshold: 1 km of the grazing
    altitude (the kernel inflates the ellipsoid by g, whose surface differs from the
    constant-height surface by ~f*g < 200 m; sampling adds < 10 m), 1 m of max range,
    1e-9 of cos(off-nadir)."""
    r_sat, r_tgt, half, rmax, graze = _random_geometry(rng, n_t=2, n_s=6, n_n=200)
    out_nb, out_np = _both_engines(r_sat, r_tgt, half, rmax, graze)
    s = np.broadcast_to(r_sat[:, :, None, :], out_nb.shape + (3,))
    t = np.broadcast_to(r_tgt[:, None, :, :], out_nb.shape + (3,))
    d = t - s
    rng_m = np.linalg.norm(d, axis=-1)
    cos_off = -np.sum(d * s, axis=-1) / (rng_m * np.linalg.norm(s, axis=-1))
    u = np.linspace(0.0, 1.0, 514)[1:-1]
    samples = t[..., None, :] + (s - t)[..., None, :] * u[:, None]
    _, _, alt = ecef_to_geodetic(samples)
    min_alt = np.nanmin(np.where(np.isnan(alt), np.inf, alt), axis=-1)
    g = graze[None, :, None]
    _, _, tgt_alt = ecef_to_geodetic(t)
    brute = (rng_m <= rmax[None, :, None]) & (cos_off >= np.cos(half)[None, :, None]) & (min_alt >= g)
    clear = (
        (np.abs(min_alt - g) > 1e3)
        & (np.abs(rng_m - rmax[None, :, None]) > 1.0)
        & (np.abs(cos_off - np.cos(half)[None, :, None]) > 1e-9)
        & (tgt_alt > g)
    )
    assert clear.sum() > 1000 and brute[clear].sum() > 50 and (~brute[clear]).sum() > 50
    np.testing.assert_array_equal(out_nb[clear], brute[clear])
    np.testing.assert_array_equal(out_np[clear], brute[clear])
    # Occlusion specifically: pairs inside range and FOR but blocked by the Earth exist.
    assert np.any(clear & (rng_m <= rmax[None, :, None]) & (cos_off >= np.cos(half)[None, :, None]) & (min_alt < g))


def _single(r_sat, r_tgt, half_deg, rmax_m, graze_m):
    out_nb, out_np = _both_engines(
        np.asarray(r_sat, float)[None, None, :], np.asarray(r_tgt, float)[None, :, :],
        np.radians([half_deg]), np.array([rmax_m]), np.array([graze_m]),
    )
    np.testing.assert_array_equal(out_nb, out_np)
    return out_nb[0, 0]


SAT = np.array([WGS84_A_M + 1000e3, 0.0, 0.0])
NADIR = np.array([-1.0, 0.0, 0.0])
SIDE = np.array([0.0, 1.0, 0.0])


def test_field_of_regard_edge():
    """Targets 500 km from a satellite over the equator at 29.99 and 30.01 deg off nadir:
    only the first is inside a 60 deg field of regard (half-angle 30 deg)."""
    off = np.radians([29.99, 30.01])
    tgt = SAT + 500e3 * (np.cos(off)[:, None] * NADIR + np.sin(off)[:, None] * SIDE)
    assert _single(SAT, tgt, 30.0, 5000e3, 0.0).tolist() == [True, False]


def test_max_range_edge():
    """A target straight below at 800 km slant range: visible with max range 800.1 km, not
    with 799.9 km."""
    tgt = (SAT + 800e3 * NADIR)[None]
    assert _single(SAT, tgt, 60.0, 800.1e3, 0.0).tolist() == [True]
    assert _single(SAT, tgt, 60.0, 799.9e3, 0.0).tolist() == [False]


def test_earth_blocks_far_side_and_degenerate_cases():
    """The antipodal point is hidden by the Earth even with a 180 deg FOR and unlimited
    range; a target at the sensor's own position (zero range) and a NaN target are not
    visible."""
    tgt = np.array([[-WGS84_A_M - 100e3, 0.0, 0.0], SAT, [np.nan, np.nan, np.nan]])
    assert _single(SAT, tgt, 90.0, 1e9, 0.0).tolist() == [False, False, False]


@pytest.mark.parametrize("elev_deg, graze_km, visible", [(2.0, 20.0, True), (-2.0, 20.0, False), (-2.0, 0.0, True)])
def test_grazing_altitude_cases(elev_deg, graze_km, visible):
    """Target at 10 km on the equator, sensor 3,000 km away along a line at +-2 deg
    elevation from the target (in the equatorial plane, where geodetic = geocentric).
    With g = 20 km the target is below the grazing altitude, so it is seen iff the sensor
    is above its horizon (+2 deg yes, -2 deg no). With g = 0 the -2 deg line dips only to
    ~6 km altitude (10 km - 3.9 km at 222 km along), so it is seen."""
    tgt = np.array([WGS84_A_M + 10e3, 0.0, 0.0])
    e = np.radians(elev_deg)
    sat = tgt + 3000e3 * np.array([np.sin(e), np.cos(e), 0.0])
    assert _single(sat, tgt[None], 90.0, 1e9, graze_km * 1e3).tolist() == [visible]


def test_single_satellite_footprint_is_a_spherical_cap(rng):
    """Ground points uniform on the globe seen by one satellite at 1,000 km (FOR wide enough
    for the whole disk, grazing 0, unlimited range): the visible fraction is the spherical
    cap fraction (1 - R/(R+h))/2 = 0.0678 for R = 6,371 km. Tolerance: 4 binomial sigma
    (0.8 % relative with 200,000 points) + 1 % for the ellipsoid vs sphere (R varies
    by +-11 km, worth 0.15 %)."""
    n = 200_000
    lat = np.arcsin(rng.uniform(-1, 1, n))
    lon = rng.uniform(-np.pi, np.pi, n)
    ground = geodetic_to_ecef(lat, lon, np.zeros(n))
    sat = geodetic_to_ecef(np.radians(np.array(35.0)), np.radians(np.array(140.0)), np.array(1000e3))
    seen = infrared_access(sat[None, None, :], ground[None], np.radians([75.0]), np.array([1e9]), np.array([0.0]))[0, 0]
    radius, h = 6371e3, 1000e3
    cap = (1 - radius / (radius + h)) / 2
    sigma = np.sqrt(cap * (1 - cap) / n)
    assert abs(seen.mean() - cap) < 4 * sigma + 0.01 * cap


def test_look_down_against_brute_force_ray_march(rng):
    """Look-down vs limb: brute force marches the ray beyond the target (2,000 samples out
    to 6,000 km) and asks whether any point has a negative WGS 84 geodetic altitude. The
    classifier agrees on every pair whose ray misses or clears the surface by more than
    300 m (sampling resolution), with both classes well represented. Satellites at
    400-2,000 km, targets at 0-300 km within 40 deg of the sub-satellite point."""
    n = 2000
    lat_s, lon_s = np.arcsin(rng.uniform(-0.9, 0.9, n)), rng.uniform(-np.pi, np.pi, n)
    s = geodetic_to_ecef(lat_s, lon_s, rng.uniform(400e3, 2000e3, n))
    t = geodetic_to_ecef(lat_s + np.radians(rng.uniform(-28, 28, n)), lon_s + np.radians(rng.uniform(-28, 28, n)), rng.uniform(0.0, 300e3, n))
    u = (t - s) / np.linalg.norm(t - s, axis=-1, keepdims=True)
    steps = np.linspace(0.0, 6000e3, 2000)[1:]
    _, _, alt = ecef_to_geodetic(t[:, None, :] + steps[None, :, None] * u[:, None, :])
    min_alt = alt.min(axis=1)
    brute = min_alt < 0.0
    clear = np.abs(min_alt) > 300.0
    got = look_down_numpy(s, t)
    assert brute[clear].sum() > 200 and (~brute[clear]).sum() > 200
    np.testing.assert_array_equal(got[clear], brute[clear])


def test_earth_angular_radius_domain_value():
    """DOMAIN.md Sec. 3: from 1,000 km the Earth's disk has an angular radius of 59.8 deg."""
    r = np.array([6371.0088e3 + 1000e3, 0.0, 0.0])
    assert np.degrees(float(earth_angular_radius_rad(r))) == pytest.approx(59.8, abs=0.05)
