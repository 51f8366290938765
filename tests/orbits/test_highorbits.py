"""Geostationary and Molniya orbits: element set-up, propagation and access against
Skyfield (its own SGP4, Earth orientation and alt-azimuth) and python-sgp4."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from pydantic import ValidationError

from tracklayer.earth.constants import OMEGA_EARTH_RAD_S
from tracklayer.earth.frames import ecef_to_eci, geodetic_to_ecef
from tracklayer.earth.time import TimeGrid
from tracklayer.orbits.constellation import build_satellites
from tracklayer.orbits.highorbits import SIDEREAL_DAY_S, geostationary_radius_m, semi_major_axis_for_period_m
from tracklayer.orbits.propagators import j2_secular_rates
from tracklayer.scenario.schema import Constellation
from tracklayer.sensors.geometry import infrared_access

EPOCH = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
GEO_LON = [70.0, 120.0, 170.0, -60.0]
SITES = [(35.7, 139.7), (-35.3, 149.1), (52.7, 174.1), (0.0, 100.0), (64.8, -147.7), (13.6, 144.9)]


def _skyfield():
    from skyfield.api import load

    return load.timescale(builtin=True)


def _grid(ts, duration_s: float, step_s: float) -> tuple[TimeGrid, object]:
    t_s = np.arange(0.0, duration_s + 1.0, step_s)
    t = ts.utc(2026, 3, 15, 0, 0, t_s)
    return TimeGrid(EPOCH, t_s, dut1_s=float(np.mean(t.dut1))), t


def _skyfield_position(r_teme_m: np.ndarray, t):
    """Skyfield Geocentric position from TEME vectors (T, 3): its own TEME -> GCRS rotation."""
    from skyfield.positionlib import build_position
    from skyfield.sgp4lib import TEME

    rot = TEME.rotation_at(t)  # GCRS -> TEME, (3, 3, T)
    r_gcrs_m = np.einsum("jit,tj->it", rot, r_teme_m)
    return build_position(r_gcrs_m / 149597870700.0, center=399, t=t)


def test_geostationary_radius_holds_the_longitude():
    """The J2 mean longitude rate n + 2k (i = 0, e = 0) at the chosen radius equals the
    Earth's rotation rate to 1e-15 rad/s, about 2 km above the two-body radius."""
    a = geostationary_radius_m()
    raan_dot, argp_dot, m_dot = j2_secular_rates(np.array(a), np.array(0.0), np.array(0.0))
    assert abs(raan_dot + argp_dot + m_dot - OMEGA_EARTH_RAD_S) < 1e-15
    assert 1.0e3 < a - semi_major_axis_for_period_m(SIDEREAL_DAY_S) < 3.0e3


def test_geostationary_subpoints_vs_skyfield():
    """Skyfield's WGS 84 sub-satellite point of our geostationary ephemerides (through its
    own TEME -> GCRS -> ITRS chain, IAU 2000 nutation) stays at the requested longitudes
    within 0.005 deg (3.7 km at GEO) and on the equator within 1e-3 deg over 3 days;
    height 35,786 +/- 3 km."""
    from skyfield.api import wgs84

    ts = _skyfield()
    grid, t = _grid(ts, 3 * 86400.0, 1800.0)
    spec = Constellation(name="geo", nation="US", geostationary={"longitudes_deg": GEO_LON})
    sats = build_satellites([spec], grid)
    assert list(sats.name) == [f"geo-{k + 1}" for k in range(len(GEO_LON))]
    for k, lon in enumerate(GEO_LON):
        pos = _skyfield_position(sats.r_eci_m[:, k], t)
        lat_deg, lon_deg = wgs84.latlon_of(pos)
        dlon = (lon_deg.degrees - lon + 180.0) % 360.0 - 180.0
        assert np.max(np.abs(dlon)) < 5e-3
        assert np.max(np.abs(lat_deg.degrees)) < 1e-3
        np.testing.assert_allclose(wgs84.height_of(pos).km, 35786.0, atol=3.0)


def _molniya_satrec(a_m: float, ecc: float, raan_deg: float, m_deg: float):
    from sgp4.api import WGS84, Satrec

    sat = Satrec()
    epoch_days = (EPOCH - dt.datetime(1949, 12, 31, tzinfo=dt.UTC)).total_seconds() / 86400.0
    n_rad_min = np.sqrt(3.986004418e14 / a_m**3) * 60.0
    sat.sgp4init(WGS84, "i", 1, epoch_days, 0.0, 0.0, 0.0, ecc, np.radians(270.0), np.radians(63.4), np.radians(m_deg), n_rad_min, np.radians(raan_deg))
    return sat


def test_molniya_vs_sgp4_and_apogee():
    """Our J2 mean-element Molniya orbits against Skyfield's SGP4/SDP4 (osculating, with
    lunisolar terms) from the same elements: within 150 km over a day (measured 40-100 km,
    short-period J2 terms); the apogee sub-latitude is the inclination, 63.4 deg, and
    the period half a sidereal day."""
    from skyfield.api import EarthSatellite, wgs84

    ts = _skyfield()
    grid, t = _grid(ts, 86400.0, 300.0)
    raan, m0 = [0.0, 180.0], [0.0, 180.0]
    spec = Constellation(name="heo", nation="US", molniya={"raan_deg": raan, "mean_anomaly_deg": m0})
    sats = build_satellites([spec], grid)
    a = semi_major_axis_for_period_m(SIDEREAL_DAY_S / 2.0)
    for k in range(2):
        ref = EarthSatellite.from_satrec(_molniya_satrec(a, 0.72, raan[k], m0[k]), ts).at(t)
        from skyfield.sgp4lib import TEME

        diff_km = np.linalg.norm(ref.frame_xyz(TEME).m.T - sats.r_eci_m[:, k], axis=1) / 1e3
        assert diff_km.max() < 150.0
        radius = np.linalg.norm(sats.r_eci_m[:, k], axis=1)
        apogee = np.argmax(radius)
        lat = wgs84.latlon_of(_skyfield_position(sats.r_eci_m[:, k], t))[0].degrees
        assert abs(lat[apogee] - 63.4) < 0.5
        np.testing.assert_allclose(radius.max(), a * 1.72, rtol=1e-3)


@pytest.mark.parametrize("kind", ["geostationary", "molniya"])
def test_access_to_ground_sites_vs_skyfield_altaz(kind):
    """Access from GEO and HEO satellites to ground points (FOR 180 deg, no grazing
    margin) is exactly 'above the site's horizon' by Skyfield's alt-azimuth: GEO from our
    ephemerides (Skyfield's frames and topocentric geometry), HEO from Skyfield's own
    SGP4 propagation of the same elements; compared where |elevation| > 0.5 deg (HEO:
    the two propagators differ by up to 150 km, 0.2 deg at apogee range)."""
    from skyfield.api import EarthSatellite, wgs84

    ts = _skyfield()
    grid, t = _grid(ts, 86400.0, 600.0)
    if kind == "geostationary":
        spec = Constellation(name="g", nation="US", geostationary={"longitudes_deg": GEO_LON})
    else:
        spec = Constellation(name="h", nation="US", molniya={"raan_deg": [0.0, 90.0, 250.0], "mean_anomaly_deg": [0.0, 120.0, 240.0]})
    sats = build_satellites([spec], grid)
    lat = np.radians([s[0] for s in SITES])
    lon = np.radians([s[1] for s in SITES])
    site_ecef = geodetic_to_ecef(lat, lon, np.zeros(lat.size))
    theta = grid.gmst_rad()
    r_tgt = ecef_to_eci(np.broadcast_to(site_ecef, (len(grid),) + site_ecef.shape), theta[:, None])
    n_s = len(sats)
    ours = infrared_access(sats.r_eci_m, r_tgt, np.full(n_s, np.pi / 2), np.full(n_s, 1e9), np.zeros(n_s))
    a = semi_major_axis_for_period_m(SIDEREAL_DAY_S / 2.0)
    compared = 0
    for k in range(n_s):
        if kind == "geostationary":
            sat_pos = _skyfield_position(sats.r_eci_m[:, k], t)
        else:
            m = spec.molniya
            sat_pos = EarthSatellite.from_satrec(_molniya_satrec(a, m.eccentricity, m.raan_deg[k], m.mean_anomaly_deg[k]), ts).at(t)
        for j, (la, lo) in enumerate(SITES):
            site = wgs84.latlon(la, lo)
            el = (sat_pos - site.at(t)).altaz()[0].degrees
            clear = np.abs(el) > 0.5
            np.testing.assert_array_equal(ours[clear, k, j], el[clear] > 0.0)
            compared += int(clear.sum())
    assert compared > 0.9 * len(grid) * n_s * len(SITES)


@pytest.mark.parametrize(
    "orbit, message",
    [
        ({"geostationary": {"longitudes_deg": []}}, "at least 1 item"),
        ({"molniya": {"eccentricity": 1.0, "raan_deg": [0], "mean_anomaly_deg": [0]}}, "less than 1"),
        ({"molniya": {"eccentricity": 0.8, "raan_deg": [0], "mean_anomaly_deg": [0]}}, "perigee altitude"),
        ({"molniya": {"raan_deg": [0, 90], "mean_anomaly_deg": [0]}}, "one entry per satellite"),
        ({"geostationary": {"longitudes_deg": [400]}}, "less than or equal to 360"),
    ],
)
def test_bad_high_orbits_are_refused(orbit, message):
    with pytest.raises(ValidationError, match=message):
        Constellation(name="x", nation="US", **orbit)
