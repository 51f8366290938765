"""Access to fixed points: the clustered numba kernel against the every-pair NumPy
reference, and against Skyfield's topocentric elevations computed independently."""

from __future__ import annotations

import datetime as dt

import numpy as np

from tracklayer.earth.frames import eci_to_ecef, geodetic_to_ecef
from tracklayer.earth.time import TimeGrid
from tracklayer.orbits.propagators import parse_tle_lines, propagate_tle
from tracklayer.sensors import static_access as sa


def _points(rng, shape, lo, hi, lat_deg=(-90, 90), lon_deg=(-180, 180)):
    s = np.sin(np.radians(lat_deg))
    lat = np.arcsin(rng.uniform(s[0], s[1], shape))
    lon = np.radians(rng.uniform(*lon_deg, shape))
    return geodetic_to_ecef(lat, lon, rng.uniform(lo, hi, shape))


def test_static_access_kernel_matches_numpy_reference(rng, monkeypatch):
    """Culling never changes a result: the numba kernel and the every-pair NumPy reference
    agree pair for pair on satellites at 400-2,000 km over a 40 x 60 deg block of points
    at 0-300 km in random order (one block, swept whenever the whole-set test does not
    decide), with mixed grazing altitudes, ranges and fields of regard."""
    r_sat = _points(rng, (12, 30), 400e3, 2000e3)
    tgt = _points(rng, 2500, 0.0, 300e3, (10, 50), (100, 160))
    half = np.radians(rng.uniform(30, 90, 30))
    rmax = rng.uniform(2000e3, 6000e3, 30)
    graze = rng.choice([0.0, 20e3, 35e3], 30)
    assert sa.TargetClusters.blocks(tgt, np.unique(graze)).starts.size == 2
    monkeypatch.setattr(sa, "engine", lambda: "numba")
    a = sa.static_access(r_sat, tgt, half, rmax, graze)
    monkeypatch.setattr(sa, "engine", lambda: "numpy")
    b = sa.static_access(r_sat, tgt, half, rmax, graze)
    assert 0.01 < a.mean() < 0.3
    np.testing.assert_array_equal(a, b)


def test_static_access_blocks_on_a_grid_match_numpy_reference(rng):
    """Points in a spatially coherent order (a latitude-major 1 deg grid, 20 x 40 deg)
    keep their blocks of consecutive indices; the numba kernel, which skips or fills
    whole blocks, agrees pair for pair with the every-pair NumPy reference of the same
    signature. The data exercise the three block outcomes: in satellite-steps where the
    whole set is only partly visible, some blocks are wholly hidden, some wholly
    visible and some mixed."""
    from tracklayer.kernels.coverage import static_access_kernel

    lat, lon = np.meshgrid(np.radians(np.arange(10.0, 30.0)), np.radians(np.arange(110.0, 150.0)), indexing="ij")
    tgt = geodetic_to_ecef(lat.ravel(), lon.ravel(), np.full(lat.size, 10e3))
    r_sat = _points(rng, (40, 16), 500e3, 1500e3, (-10, 50), (90, 170))
    values, group = sa.group_of(rng.choice([0.0, 20e3], 16))
    cl = sa.TargetClusters.blocks(tgt, values)
    assert cl.starts.size - 1 == lat.size // 16
    args = (r_sat, np.ascontiguousarray(tgt.T), cl.starts, cl.centre_m, cl.radius_m, cl.direction, cl.cos_alpha, cl.sin_alpha,
            cl.r_lo, cl.r_hi, cl.bounds, cl.inflated_a_m, cl.z_scale, group, np.cos(np.radians(rng.uniform(40, 90, 16))),
            rng.uniform(2000e3, 5000e3, 16))
    a = np.zeros((40, 16, tgt.shape[0]), dtype=bool)
    b = np.zeros_like(a)
    static_access_kernel(*args, a)
    sa.static_access_numpy(*args, b)
    np.testing.assert_array_equal(a, b)
    mixed = b[b.any(axis=2) & ~b.all(axis=2)].reshape(-1, lat.size // 16, 16)
    assert mixed.all(axis=2).any() and (~mixed.any(axis=2)).any() and (mixed.any(axis=2) & ~mixed.all(axis=2)).any()



def _tle_lines(epoch: dt.datetime, n: int) -> list[str]:
    """Circular LEO orbits (500-800 km, 53-103 deg inclination) written as TLE text with sgp4."""
    from sgp4.api import WGS72, Satrec, jday
    from sgp4.exporter import export_tle

    jd, fr = jday(epoch.year, epoch.month, epoch.day, 0, 0, 0.0)
    lines = []
    for k in range(n):
        a_km = 6378.135 + 500.0 + 60.0 * k
        n_rad_min = np.sqrt(398600.8 / a_km**3) * 60.0
        sat = Satrec()
        sat.sgp4init(WGS72, "i", 40000 + k, jd + fr - 2433281.5, 1e-5, 0.0, 0.0, 1e-3, 0.0, np.radians(53.0 + 10 * k),
                     np.radians(37.0 * k), n_rad_min, np.radians(60.0 * k))
        lines += [f"SAT{k}", *export_tle(sat)]
    return lines


def test_access_to_ground_points_against_skyfield(rng):
    """Six satellites from TLEs over 3 h (60 s steps) against 40 ground points (height 0):
    with no grazing margin and unlimited range and field of regard, access is exactly
    'the satellite is above the point's geodetic horizon'. Skyfield's
    (sat - topos).altaz() elevation, computed independently (its own SGP4 call, ITRS
    frame with its built-in UT1), gives the same answer on every pair more than 0.02 deg
    from the horizon (the frames differ by tens of metres, ~0.001 deg here)."""
    from skyfield.api import EarthSatellite, load, wgs84

    epoch = dt.datetime(2024, 4, 10, tzinfo=dt.UTC)
    grid = TimeGrid.uniform(epoch, 3 * 3600.0, 60.0)
    named = parse_tle_lines(_tle_lines(epoch, 6))
    r_eci, _, _ = propagate_tle(named, grid)
    r_ecef = eci_to_ecef(r_eci, grid.gmst_rad()[:, None])
    lat = rng.uniform(-60, 60, 40)
    lon = rng.uniform(-180, 180, 40)
    pts = geodetic_to_ecef(np.radians(lat), np.radians(lon), np.zeros(40))
    mine = sa.static_access(r_ecef, pts, np.full(6, np.pi), np.full(6, 1e9), np.zeros(6))

    t = load.timescale().utc(2024, 4, 10, 0, 0, grid.t_s)
    el = np.empty((len(grid), 6, 40))
    for k, (name, l1, l2) in enumerate(named):
        sat = EarthSatellite(l1, l2, name)
        for j in range(40):
            el[:, k, j] = (sat - wgs84.latlon(lat[j], lon[j])).at(t).altaz()[0].degrees
    clear = np.abs(el) > 0.02
    assert clear.mean() > 0.99 and (el > 0).mean() > 0.03
    np.testing.assert_array_equal(mine[clear], el[clear] > 0.0)
