"""Ground radars: the geometric horizon against its closed form, the azimuth sector with
wrap-around, over-the-horizon access, and detection statistics."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.earth.constants import WGS84_A_M
from tracklayer.earth.frames import ecef_to_eci, enu_basis, geodetic_to_ecef
from tracklayer.sensors import RADAR
from tracklayer.sensors.radar import RadarParams, in_sector, observe_radar, radar_access


def _params(lat_deg=0.0, lon_deg=0.0, alt_m=0.0, **kw) -> RadarParams:
    """One radar with permissive defaults; keyword arguments override single fields."""
    lat, lon = np.radians([lat_deg]), np.radians([lon_deg])
    base = dict(
        lat_rad=lat,
        lon_rad=lon,
        site_ecef_m=geodetic_to_ecef(lat, lon, np.array([alt_m])).reshape(-1, 3),
        enu=enu_basis(lat, lon).reshape(-1, 3, 3),
        min_range_m=np.array([0.0]),
        max_range_m=np.array([1e9]),
        min_el_rad=np.array([0.0]),
        max_el_rad=np.array([np.pi / 2]),
        az_center_rad=np.array([0.0]),
        az_half_width_rad=np.array([np.pi]),
        sigma_range_m=np.array([10.0]),
        sigma_angle_rad=np.array([1e-3]),
        pd=np.array([1.0]),
        revisit_s=np.array([1.0]),
        over_the_horizon=np.array([False]),
        max_target_alt_m=np.array([1e9]),
    )
    base.update({k: np.atleast_1d(np.asarray(v, dtype=base[k].dtype)) for k, v in kw.items()})
    return RadarParams(**base)


def _equator_target(angle_rad, alt_m):
    """ECEF points on the equator at longitude ``angle_rad`` and height ``alt_m``."""
    angle_rad = np.atleast_1d(angle_rad)
    return np.stack([(WGS84_A_M + alt_m) * np.cos(angle_rad), (WGS84_A_M + alt_m) * np.sin(angle_rad), np.zeros_like(angle_rad)], axis=-1)


@pytest.mark.parametrize("alt_km", [10.0, 40.0, 50.0, 100.0, 1000.0])
def test_horizon_matches_closed_form(alt_km):
    """Site at sea level on the equator, targets along the equator (a circle of radius a,
    so the sphere formulas are exact): elevation >= 0 iff the central angle is below
    arccos(a/(a+h)); the slant range there is sqrt((a+h)^2 - a^2). Checked 0.001 deg
    either side of the horizon and at an Earth rotation angle of 1.1 rad (targets given
    in ECI)."""
    h = alt_km * 1e3
    theta_h = np.arccos(WGS84_A_M / (WGS84_A_M + h))
    angles = theta_h + np.radians([-1e-3, 1e-3])
    theta = np.array([1.1])
    r_eci = ecef_to_eci(_equator_target(angles, h), theta[0])[None]
    ok, az, el, rng = radar_access(r_eci, theta, _params())
    assert ok[0, 0].tolist() == [True, False]
    np.testing.assert_allclose(az[0, 0], np.pi / 2, atol=1e-9)  # due east
    r_h = ecef_to_eci(_equator_target(theta_h, h), theta[0])[None]
    _, _, el_h, rng_h = radar_access(r_h, theta, _params())
    assert abs(el_h[0, 0, 0]) < 1e-9
    assert rng_h[0, 0, 0] == pytest.approx(np.sqrt((WGS84_A_M + h) ** 2 - WGS84_A_M**2), abs=1e-3)


def test_domain_note_40_km_glider_seen_within_715_km():
    """DOMAIN.md Sec. 4: a ground radar sees a 40 km glider only within ~715 km (slant range
    to the geometric horizon on a 6,371 km sphere: sqrt((R+h)^2 - R^2) = 715 km). On the
    equator (a = 6,378 km) the same geometry gives 716 km: within 2 km."""
    h = 40e3
    theta_h = np.arccos(WGS84_A_M / (WGS84_A_M + h))
    _, _, _, rng = radar_access(_equator_target(theta_h, h)[None], np.array([0.0]), _params())
    assert abs(rng[0, 0, 0] - 715e3) < 2e3


@pytest.mark.parametrize(
    "az_deg, center_deg, half_deg, inside",
    [
        (5.0, 350.0, 20.0, True),  # wraps through north
        (335.0, 350.0, 20.0, True),
        (329.0, 350.0, 20.0, False),
        (11.0, 350.0, 20.0, False),
        (180.0, 0.0, 90.0, False),
        (90.0, 0.0, 90.0, True),  # edge counts as inside
        (200.0, 10.0, 180.0, True),  # full circle
        (359.9, 0.0, 0.5, True),
    ],
)
def test_in_sector_wraps(az_deg, center_deg, half_deg, inside):
    """Azimuth sector membership with wrap-around at 0/360 deg."""
    assert bool(in_sector(np.radians(az_deg), np.radians(center_deg), np.radians(half_deg))) is inside


def test_sector_range_and_elevation_limits():
    """Targets around a site at 40 N 140 E, 100 km up, at given azimuths and ground ranges:
    a 120 deg sector centred on 285 deg, 1,200 km max range and a 5 deg minimum
    elevation select exactly the expected ones."""
    lat0, lon0 = np.radians(40.0), np.radians(140.0)
    site = geodetic_to_ecef(lat0, lon0, 0.0)
    enu = enu_basis(lat0, lon0)

    def tgt(az_deg, ground_km, up_km):
        a = np.radians(az_deg)
        return site + enu.T @ np.array([ground_km * 1e3 * np.sin(a), ground_km * 1e3 * np.cos(a), up_km * 1e3])

    cases = [  # az, ground km, up km, expected
        (285.0, 500.0, 100.0, True),
        (230.0, 500.0, 100.0, True),  # 55 deg off centre
        (220.0, 500.0, 100.0, False),  # 65 deg off centre
        (340.0, 500.0, 100.0, True),
        (350.0, 500.0, 100.0, False),
        (285.0, 1300.0, 300.0, False),  # beyond 1,200 km
        (285.0, 900.0, 40.0, False),  # elevation atan(40/900) = 2.5 deg < 5 deg
    ]
    r = np.array([tgt(a, g, u) for a, g, u, _ in cases])[None]
    p = _params(40.0, 140.0, max_range_m=1200e3, min_el_rad=np.radians(5.0), az_center_rad=np.radians(285.0), az_half_width_rad=np.radians(60.0))
    ok, _, _, _ = radar_access(r, np.array([0.0]), p)
    assert ok[0, 0].tolist() == [c[3] for c in cases]


def test_over_the_horizon_radar_uses_ground_range_and_altitude():
    """An over-the-horizon radar ignores elevation: a target 2,000 km away on the equator
    at 10 km (far below the horizon) is seen when ground range is within [1,000, 3,000] km
    and altitude <= 30 km; at 40 km altitude or 3,500 km range it is not."""
    r = np.concatenate([_equator_target(np.array([2000e3, 2000e3, 3500e3]) / 6371008.8, np.array([10e3, 40e3, 10e3]))])[None]
    p = _params(min_range_m=1000e3, max_range_m=3000e3, over_the_horizon=True, max_target_alt_m=30e3)
    ok, _, el, _ = radar_access(r, np.array([0.0]), p)
    assert el[0, 0, 0] < 0
    assert ok[0, 0].tolist() == [True, False, False]


def test_nan_targets_are_not_seen():
    """Absent targets (NaN rows) give False, without warnings."""
    r = np.full((2, 1, 3), np.nan)
    ok, _, _, _ = radar_access(r, np.zeros(2), _params())
    assert not ok.any()


def test_observe_radar_statistics_and_determinism():
    """With access everywhere and Pd 0.8 over 3 targets x 4,000 frames: the number of
    detections is within 4 binomial sigma of 0.8 N; range and elevation noise have the
    configured standard deviation (to 4 %, ~4 sigma of a sample std over ~9,600 draws);
    azimuths are wrapped to [0, 2 pi); the same seed gives the same table."""
    n_t, n_n = 4000, 3
    access = np.ones((n_t, 1, n_n), dtype=bool)
    frames = np.ones((n_t, 1), dtype=bool)
    az = np.full((n_t, 1, n_n), 1e-4)  # next to north, so noise wraps
    el = np.full((n_t, 1, n_n), 0.3)
    rng_m = np.full((n_t, 1, n_n), 500e3)
    p = _params(pd=0.8, sigma_range_m=15.0, sigma_angle_rad=2e-3)
    t_s = np.arange(n_t, dtype=float)

    def run(seed):
        return observe_radar(access, frames, az, el, rng_m, np.zeros(n_t), t_s, p, [np.random.default_rng(seed)], 5)

    det = run(11)
    n = n_t * n_n
    assert abs(det["t_s"].size - 0.8 * n) < 4 * np.sqrt(n * 0.8 * 0.2)
    assert np.all(det["kind"] == RADAR) and np.all(det["sensor_id"] == 5)
    assert det["z"][:, 0].std() == pytest.approx(15.0, rel=0.04)
    assert det["z"][:, 2].std() == pytest.approx(2e-3, rel=0.04)
    assert np.all((det["z"][:, 1] >= 0) & (det["z"][:, 1] < 2 * np.pi)) and np.any(det["z"][:, 1] > np.pi)
    np.testing.assert_allclose(det["R"][0], np.diag([15.0**2, 4e-6, 4e-6]))
    again = run(11)
    for k in det:
        np.testing.assert_array_equal(det[k], again[k])
    assert not np.array_equal(run(12)["z"][:100], det["z"][:100])
