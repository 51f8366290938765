"""Propagators: the J2 mean-element model against closed-form facts (sun-synchronous and
critical inclinations), against SGP4's own secular rates and against SGP4 positions; the
TLE path against direct python-sgp4 calls; TLE parsing."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from tracklayer.earth.time import TimeGrid
from tracklayer.orbits.kepler import elements_to_rv
from tracklayer.orbits.propagators import j2_secular_rates, parse_tle_lines, propagate_j2_mean, propagate_tle

DEG_PER_DAY = 180.0 / np.pi * 86400.0  # rad/s -> deg/day
RE_WGS72_KM = 6378.135
MU_WGS72_KM3_S2 = 398600.8


def test_sun_synchronous_raan_rate():
    """Closed-form J2 nodal regression: a circular orbit with a = 7,078 km, i = 98.19 deg is
    sun-synchronous, RAAN rate = 360 / 365.2422 = 0.98565 deg/day (Vallado 2013, Example
    9-2 / Sec. 11.4). Tolerance 0.002 deg/day (i is quoted to 0.01 deg, worth 0.0006)."""
    raan_dot, _, _ = j2_secular_rates(np.array(7078e3), np.array(0.0), np.radians(np.array(98.19)))
    assert raan_dot * DEG_PER_DAY == pytest.approx(360.0 / 365.2422, abs=2e-3)


def test_critical_inclination_freezes_perigee():
    """At the critical inclination arccos(1/sqrt 5) = 63.435 deg the J2 apsidal rotation
    vanishes (5 cos^2 i - 1 = 0): |argp rate| < 1e-12 deg/day; below it perigee advances,
    above it regresses; RAAN regresses for prograde and advances for retrograde orbits."""
    a, e = np.array(7378e3), np.array(0.01)
    _, argp_dot, _ = j2_secular_rates(a, e, np.array(np.arccos(1 / np.sqrt(5))))
    assert abs(argp_dot * DEG_PER_DAY) < 1e-12
    raan_lo, argp_lo, _ = j2_secular_rates(a, e, np.radians(np.array(40.0)))
    raan_hi, argp_hi, _ = j2_secular_rates(a, e, np.radians(np.array(110.0)))
    assert argp_lo > 0 > argp_hi
    assert raan_lo < 0 < raan_hi


def _satrec(inc_deg: float, ecc: float, alt_km: float = 1000.0, raan=2.0, argp=0.3, mo=1.0):
    """An SGP4 record built with sgp4init (WGS72, no drag) at 2024-04-10 00:00 UTC."""
    from sgp4.api import WGS72, Satrec, jday

    jd, fr = jday(2024, 4, 10, 0, 0, 0)
    no_kozai = math.sqrt(MU_WGS72_KM3_S2 / (RE_WGS72_KM + alt_km) ** 3) * 60.0  # rad/min
    sat = Satrec()
    sat.sgp4init(WGS72, "i", 1, jd + fr - 2433281.5, 0.0, 0.0, 0.0, ecc, argp, math.radians(inc_deg), mo, no_kozai, raan)
    return sat, jd, fr


@pytest.mark.parametrize("inc_deg", [10.0, 30.0, 53.0, 63.4, 85.0, 98.0, 120.0])
@pytest.mark.parametrize("ecc", [1e-3, 0.1])
def test_j2_rates_match_sgp4_secular_rates(inc_deg, ecc):
    """j2_secular_rates vs the secular rates python-sgp4 derives at initialisation
    (Satrec.nodedot, argpdot, mdot, rad/min) for the same mean elements at 1,000 km.

    SGP4's rates add second-order J2^2 and J4 terms (WGS72) that tracklayer omits (measured
    up to 0.6 % of the RAAN rate): tolerances 0.05 deg/day on RAAN, 0.1 deg/day on argp and
    1e-5 relative on the mean motion."""
    sat, _, _ = _satrec(inc_deg, ecc)
    raan_dot, argp_dot, m_dot = j2_secular_rates(np.array(sat.a * RE_WGS72_KM * 1e3), np.array(sat.ecco), np.array(sat.inclo))
    per_min_to_deg_day = 1440.0 * 180.0 / np.pi
    assert abs(raan_dot * DEG_PER_DAY - sat.nodedot * per_min_to_deg_day) < 0.05
    assert abs(argp_dot * DEG_PER_DAY - sat.argpdot * per_min_to_deg_day) < 0.1
    assert m_dot * 60.0 == pytest.approx(sat.mdot, rel=1e-5)


@pytest.mark.parametrize("inc_deg, ecc", [(85.0, 1e-4), (53.0, 1e-3), (98.0, 0.01), (30.0, 0.02)])
def test_j2_mean_vs_sgp4_over_one_day(inc_deg, ecc):
    """propagate_j2_mean vs SGP4 (sgp4init with the same mean elements, WGS72, no drag) at
    1,000 km every minute for 1 day: within 25 km.

    The model omits short-period J2 terms, documented as 10-20 km at 1,000 km (astro bench:
    median 12.7 km, max 17.6 km; here max 12-18 km). The error must not grow secularly: the
    last hour stays within the same 25 km, and a wrong sign on the J2 rates (nodal drift
    3-5 deg/day) would give hundreds of km."""
    sat, jd, fr = _satrec(inc_deg, ecc)
    t = np.arange(0.0, 86400.0 + 1, 60.0)
    err, r_km, _ = sat.sgp4_array(np.full(t.size, jd), fr + t / 86400.0)
    assert not err.any()
    el = {
        "a_m": np.array([sat.a * RE_WGS72_KM * 1e3]),
        "ecc": np.array([sat.ecco]),
        "inc_rad": np.array([sat.inclo]),
        "raan_rad": np.array([sat.nodeo]),
        "argp_rad": np.array([sat.argpo]),
        "mean_anomaly_rad": np.array([sat.mo]),
    }
    r, v = propagate_j2_mean(el, t)
    assert r.shape == v.shape == (t.size, 1, 3)
    d = np.linalg.norm(r[:, 0] - r_km * 1e3, axis=1)
    assert d.max() < 25e3
    assert d[-60:].max() < 25e3


def test_j2_mean_at_epoch_is_two_body_and_keeps_radius():
    """At t = 0 the position equals elements_to_rv of the input elements (1e-6 m); for a
    circular orbit the radius stays a (1 mm) because J2 only rotates the mean orbit."""
    el = {k: np.array(v) for k, v in dict(a_m=[7378e3, 7000e3], ecc=[0.0, 0.05], inc_rad=[1.0, 0.3], raan_rad=[0.5, 1.0], argp_rad=[0.0, 2.0], mean_anomaly_rad=[0.1, 3.0]).items()}
    r, v = propagate_j2_mean(el, np.array([0.0, 3000.0, 86400.0]))
    r0, v0 = elements_to_rv(el["a_m"], el["ecc"], el["inc_rad"], el["raan_rad"], el["argp_rad"], el["mean_anomaly_rad"])
    np.testing.assert_allclose(r[0], r0, atol=1e-6)
    # The velocity adds the J2 drift of the mean orbit (Mdot - n, RAAN and perigee rates)
    # to the two-body velocity: ~10-20 m/s at these orbits, i.e. (3/2) n J2 (R/p)^2 |r| per
    # drift term (exact check: the derivative test below).
    assert np.linalg.norm(v[0] - v0, axis=-1).max() < 30.0
    np.testing.assert_allclose(np.linalg.norm(r[:, 0], axis=-1), 7378e3, atol=1e-3)


@pytest.mark.parametrize("inc_deg", [53.0, 85.0])
def test_j2_mean_velocity_is_derivative_of_position(inc_deg):
    """The returned velocity is the time derivative of the returned positions: central
    difference over +-0.5 s (truncation error n^2 a h^2 / 24 ~ 2e-6 m/s) within 0.1 m/s."""
    from tracklayer.orbits.walker import walker_elements

    el = walker_elements(4, 7, 1, np.radians(inc_deg), 6378137.0 + 1000e3)
    r, v = propagate_j2_mean(el, np.array([999.5, 1000.0, 1000.5]))
    assert np.linalg.norm((r[2] - r[0]) - v[1], axis=1).max() < 0.1


# --------------------------------------------------------------------------- TLE path

ISS = (
    "ISS (ZARYA)",
    "1 25544U 98067A   18184.80969102  .00001614  00000-0  31745-4 0  9993",
    "2 25544  51.6414 295.8524 0003435 262.6267 204.2868 15.54005638121106",
)
"""Skyfield's test TLE (skyfield/tests/test_earth_satellites.py)."""
DECAYING = (
    "28872",
    "1 28872U 05037B   05333.02012661  .25992681  00000-0  24476-3 0  1534",
    "2 28872  96.4736 157.9986 0303955 244.0492 110.6523 16.46015938 10708",
)
"""SGP4-VER.TLE (Vallado et al. 2006, shipped with python-sgp4): perigee -51 km, 'lost in 50 minutes'."""


def test_propagate_tle_matches_direct_sgp4_calls():
    """propagate_tle vs one Satrec.sgp4 call per time (same UTC Julian dates): identical
    to 1e-6 m and 1e-9 m/s, output in metres, (T, N, 3)."""
    from sgp4.api import Satrec

    grid = TimeGrid.uniform(dt.datetime(2018, 7, 3, 19, 25, tzinfo=dt.UTC), 7200.0, 120.0)
    tles = [ISS, ("GPS", "1 24876U 97035A   18184.50000000  .00000000  00000-0  00000-0 0  9999", "2 24876  55.5000 100.0000 0050000 200.0000 160.0000  2.00560000 10000")]
    r, v, err = propagate_tle(tles, grid)
    assert r.shape == v.shape == (len(grid), 2, 3) and err.shape == (len(grid), 2)
    jd, fr = grid.jd_utc()
    for n, (_, l1, l2) in enumerate(tles):
        sat = Satrec.twoline2rv(l1, l2)
        for k in range(len(grid)):
            e, rr, vv = sat.sgp4(jd[k], fr[k])
            assert e == err[k, n] == 0
            np.testing.assert_allclose(r[k, n], np.array(rr) * 1e3, rtol=0, atol=1e-6)
            np.testing.assert_allclose(v[k, n], np.array(vv) * 1e3, rtol=0, atol=1e-9)


def test_propagate_tle_nan_rows_on_sgp4_error():
    """A decaying object (SGP4-VER 28872) next to a healthy one: rows where SGP4 reports an
    error code are NaN (position and velocity) with the code kept, the healthy satellite is
    unaffected, and the codes equal direct Satrec.sgp4 calls."""
    from sgp4.api import Satrec

    grid = TimeGrid.uniform(dt.datetime(2005, 11, 29, 0, 29, tzinfo=dt.UTC), 3 * 3600.0, 300.0)
    r, v, err = propagate_tle([DECAYING, ISS], grid)
    jd, fr = grid.jd_utc()
    sat = Satrec.twoline2rv(DECAYING[1], DECAYING[2])
    direct = np.array([sat.sgp4(jd[k], fr[k])[0] for k in range(len(grid))])
    np.testing.assert_array_equal(err[:, 0], direct)
    bad = err[:, 0] != 0
    assert bad.any() and (~bad).any()
    assert np.isnan(r[bad, 0]).all() and np.isnan(v[bad, 0]).all()
    assert np.isfinite(r[~bad, 0]).all()
    assert np.isfinite(r[:, 1]).all() and not err[:, 1].any()


def test_parse_tle_two_and_three_line_formats():
    """3-line entries take the name line; 2-line entries are named by the catalogue number
    (columns 3-7); blank lines and trailing spaces are ignored; formats may be mixed."""
    lines = ["", ISS[0] + "  ", ISS[1], ISS[2] + " ", "", DECAYING[1], DECAYING[2]]
    out = parse_tle_lines(lines)
    assert out == [("ISS (ZARYA)", ISS[1], ISS[2]), ("28872", DECAYING[1], DECAYING[2])]


@pytest.mark.parametrize(
    "lines",
    [
        [ISS[0], ISS[1]],  # line 2 missing
        [ISS[0], ISS[2], ISS[1]],  # lines swapped
        [ISS[1]],  # lone line 1
        ["NAME", "garbage", ISS[2]],
    ],
)
def test_parse_tle_malformed_raises(lines):
    """A wrong layout raises ValueError naming the entry."""
    with pytest.raises(ValueError, match="TLE entry 1"):
        parse_tle_lines(lines)
