"""Sun direction (Astronomical Almanac low-precision formulas) against Skyfield with JPL
DE ephemeris excerpts shipped in Skyfield's test data (offline), at three epochs from
1969 to 2053: direction to 0.01 deg (the almanac's stated accuracy), distance to 1e-4."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from tracklayer.earth.sun import sun_direction_eci, sun_position_eci_m
from tracklayer.earth.time import TimeGrid

skyfield = pytest.importorskip("skyfield")
DATA = Path(skyfield.__file__).parent / "tests" / "data"


@pytest.mark.parametrize(
    "kernel, start, days",
    [
        ("de441-1969.bsp", dt.datetime(1969, 7, 26, tzinfo=dt.UTC), 7.0),
        ("de430-2015-03-02.bsp", dt.datetime(2015, 2, 27, tzinfo=dt.UTC), 7.0),
        ("jup310-2053-10-08.bsp", dt.datetime(2053, 10, 8, 2, tzinfo=dt.UTC), 1.5),
    ],
)
def test_sun_against_skyfield(kernel, start, days):
    from skyfield.api import load
    from skyfield.jpllib import SpiceKernel
    from skyfield.sgp4lib import TEME

    path = DATA / kernel
    if not path.exists():
        pytest.skip(f"Skyfield test ephemeris {kernel} not installed")
    grid = TimeGrid.uniform(start, days * 86400.0, 3600.0)
    t = load.timescale().utc(start.year, start.month, start.day, start.hour, 0, grid.t_s)
    eph = SpiceKernel(str(path))
    try:
        ref = eph[399].at(t).observe(eph[10]).apparent(deflectors=()).frame_xyz(TEME).m.T
    finally:
        eph.close()
    mine = sun_position_eci_m(*grid.jd_utc())
    u = sun_direction_eci(grid)
    angle = np.degrees(np.arccos(np.clip(np.sum(u * ref, axis=1) / np.linalg.norm(ref, axis=1), -1.0, 1.0)))
    assert angle.max() < 0.01
    np.testing.assert_allclose(np.linalg.norm(mine, axis=1), np.linalg.norm(ref, axis=1), rtol=1e-4)
