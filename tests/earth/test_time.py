"""Scenario time: GMST82 against python-sgp4, Skyfield and Vallado's worked example;
Julian-date splits against sgp4.api.jday; epoch parsing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracklayer.earth.time import TimeGrid, epoch_jd, gmst82_rad, parse_epoch

UTC = dt.UTC


def test_gmst82_vallado_example_3_5():
    """Vallado, Fundamentals of Astrodynamics and Applications (4th ed., 2013), Example 3-5:
    1992 Aug 20, 12:14:00 UT1 -> GMST = 152.578 787 886 deg. Tolerance 1e-7 deg (the
    example rounds the Julian date to 1e-6 day)."""
    from sgp4.api import jday

    jd, fr = jday(1992, 8, 20, 12, 14, 0.0)
    assert abs(np.degrees(gmst82_rad(jd, fr)) - 152.578787886) < 1e-7


@given(
    whole=st.integers(2415020, 2488070).map(lambda d: d + 0.5),  # 1900 to 2100
    frac=st.floats(0.0, 1.0, exclude_max=True),
)
def test_gmst82_matches_sgp4_gstime(whole, frac):
    """gmst82_rad vs python-sgp4's sgp4.propagation.gstime (the GMST that defines TEME).
    gstime takes one float JD, whose rounding (~4e-10 day) limits agreement: 1e-8 rad
    (7 cm at 7,000 km)."""
    from sgp4.propagation import gstime

    ours = float(gmst82_rad(whole, np.array(frac)))
    ref = gstime(whole + frac)
    assert abs(np.mod(ours - ref + np.pi, 2 * np.pi) - np.pi) < 1e-8
    assert 0.0 <= ours < 2 * np.pi


def test_gmst82_matches_skyfield_theta_gmst1982(rng):
    """gmst82_rad vs skyfield.sgp4lib.theta_GMST1982 with the same (whole, fraction) split:
    1e-10 rad (0.7 mm at 7,000 km; both sum GMST seconds of order 1e8 in float64), over
    1,000 dates within +-8 years."""
    from skyfield.sgp4lib import theta_GMST1982

    whole = 2460410.5
    frac = rng.uniform(-3000.0, 3000.0, 1000)
    theta, _ = theta_GMST1982(whole, frac)
    ours = gmst82_rad(whole, frac)
    np.testing.assert_allclose(np.mod(ours - theta + np.pi, 2 * np.pi) - np.pi, 0.0, atol=1e-10)


def test_timegrid_gmst_rate_is_sidereal(epoch):
    """Over one mean sidereal day (86164.0905 s) GMST advances by 2 pi (to 1e-6 rad); over
    one solar day by 2 pi + 2 pi/365.2422 (to 1e-6 rad)."""
    grid = TimeGrid(epoch, np.array([0.0, 86164.0905, 86400.0]))
    g = grid.gmst_rad()
    assert abs(np.mod(g[1] - g[0] + np.pi, 2 * np.pi) - np.pi) < 1e-6
    assert abs(np.mod(g[2] - g[0], 2 * np.pi) - 2 * np.pi / 365.2422) < 1e-6


def test_timegrid_dut1_shifts_gmst(epoch):
    """UT1 = UTC + dut1: gmst_rad with dut1 = 0.3 s equals gmst_rad 0.3 s later with dut1 = 0."""
    t = np.array([0.0, 100.0, 5000.0])
    a = TimeGrid(epoch, t, dut1_s=0.3).gmst_rad()
    b = TimeGrid(epoch, t + 0.3).gmst_rad()
    np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(2024, 4, 10, 0, 0, 0, tzinfo=UTC),
        dt.datetime(2024, 4, 10, 11, 59, 59, 500000, tzinfo=UTC),
        dt.datetime(2026, 3, 15, 23, 30, 0, tzinfo=UTC),
        dt.datetime(1999, 12, 31, 12, 0, 0, tzinfo=UTC),
    ],
)
def test_jd_utc_matches_sgp4_jday(when):
    """TimeGrid.jd_utc vs sgp4.api.jday at the epoch and at offsets that cross midnight:
    whole + fraction equal to 1e-9 day (86 us), fraction in [0, 1), whole ends in .5."""
    from sgp4.api import jday

    t_s = np.array([0.0, 1800.0, 43200.0, 86400.0 * 3 + 7.25])
    grid = TimeGrid(when, t_s)
    whole, frac = grid.jd_utc()
    assert np.all((frac >= 0) & (frac < 1))
    np.testing.assert_array_equal(np.mod(whole, 1.0), 0.5)
    for k, t in enumerate(t_s):
        m = when + dt.timedelta(seconds=float(t))
        jd, fr = jday(m.year, m.month, m.day, m.hour, m.minute, m.second + m.microsecond * 1e-6)
        assert abs((whole[k] - jd) + (frac[k] - fr)) < 1e-9
    e_whole, e_frac = epoch_jd(when)
    assert whole[0] == e_whole and frac[0] == pytest.approx(e_frac, abs=1e-15)


def test_parse_epoch_forms():
    """ISO strings with Z, with an offset, without a zone (taken as UTC), and datetimes
    (naive -> UTC; aware -> converted to UTC) all give the same aware UTC instant."""
    ref = dt.datetime(2024, 4, 10, 0, 0, tzinfo=UTC)
    assert parse_epoch("2024-04-10T00:00:00Z") == ref
    assert parse_epoch(" 2024-04-10T00:00:00Z ") == ref
    assert parse_epoch("2024-04-10T09:00:00+09:00") == ref
    assert parse_epoch("2024-04-10T00:00:00") == ref
    assert parse_epoch(dt.datetime(2024, 4, 10)) == ref
    assert parse_epoch(dt.datetime(2024, 4, 10, 10, tzinfo=dt.timezone(dt.timedelta(hours=10)))) == ref
    for value in ("2024-04-10T09:00:00+09:00", dt.datetime(2024, 4, 10)):
        assert parse_epoch(value).utcoffset() == dt.timedelta(0)
        assert parse_epoch(value).hour == 0


def test_parse_epoch_rejects_garbage():
    """A string that is not ISO-8601 raises ValueError."""
    with pytest.raises(ValueError):
        parse_epoch("10 April 2024")


def test_timegrid_uniform_and_iso(epoch):
    """uniform(): N = floor(duration/step) + 1 samples with exact multiples of the step, the
    end included even when duration/step rounds just below an integer (1.0/0.1)."""
    g = TimeGrid.uniform(epoch, 900.0, 1.0)
    assert len(g) == 901 and g.t_s[-1] == 900.0
    assert len(TimeGrid.uniform(epoch, 1.0, 0.1)) == 11
    assert len(TimeGrid.uniform(epoch, 10.0, 3.0)) == 4
    assert g.iso(0.0) == "2024-04-10T00:00:00.000Z"
    assert g.iso(3661.5) == "2024-04-10T01:01:01.500Z"
