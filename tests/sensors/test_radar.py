"""Ground and sea radars: geometric and 4/3-Earth horizons against their closed forms, the
azimuth sector with wrap-around, over-the-horizon access, the range equation, detection
statistics against the Swerling closed form, SNR-scaled noise, range rate and ships."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.earth.constants import OMEGA_EARTH_RAD_S, WGS84_A_M
from tracklayer.earth.frames import ecef_to_eci, enu_basis, geodetic_to_ecef, great_circle
from tracklayer.sensors import RADAR
from tracklayer.sensors.radar import KNOT_M_S, RadarParams, in_sector, noise_sigma, observe_radar, radar_access, radar_pd, radar_snr


def _params(lat_deg=0.0, lon_deg=0.0, alt_m=0.0, **kw) -> RadarParams:
    """One radar with permissive defaults (no refraction); keyword arguments override fields."""
    base = dict(
        lat_rad=np.radians([lat_deg]),
        lon_rad=np.radians([lon_deg]),
        alt_m=np.array([alt_m]),
        course_rad=np.array([0.0]),
        speed_m_s=np.array([0.0]),
        min_range_m=np.array([0.0]),
        max_range_m=np.array([1e9]),
        min_el_rad=np.array([0.0]),
        max_el_rad=np.array([np.pi / 2]),
        refraction_k=np.array([1.0]),
        az_center_rad=np.array([0.0]),
        az_half_width_rad=np.array([np.pi]),
        reference_range_m=np.array([1000e3]),
        reference_rcs_m2=np.array([0.1]),
        reference_snr=np.array([20.0]),
        swerling=np.array([1]),
        pfa=np.array([1e-6]),
        sigma_range_m=np.array([10.0]),
        sigma_angle_rad=np.array([1e-3]),
        sigma_rate_m_s=np.array([2.0]),
        noise_floor=np.array([0.1]),
        pd=np.array([np.nan]),
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


@pytest.mark.parametrize("h_site_m, h_tgt_km", [(0.0, 40.0), (50.0, 40.0), (20.0, 100.0), (500.0, 10.0)])
def test_refracted_horizon_matches_closed_form(h_site_m, h_tgt_km):
    """4/3-Earth horizon: with the elevation mask at the site's (refracted) dip below the
    horizontal, -acos(kR/(kR + h_r)), a target on the equator is visible iff its ground
    arc is within kR (acos(kR/(kR + h_r)) + acos(kR/(kR + h_t))) (straight rays over a
    sphere of radius kR, k = 4/3, R = a on the equator); checked 0.01 % either side.
    That arc agrees with the radar rule of thumb d = 4.12 km (sqrt(h_r/m) + sqrt(h_t/m))
    (Skolnik 2001, Eq. 8.5) to 1.5 % (its sqrt(2 k R h) drops h << R terms and uses
    R = 6,370 km). Without refraction (k = 1) the nearer target is hidden too."""
    k, big_r, h_t = 4.0 / 3.0, WGS84_A_M, h_tgt_km * 1e3
    dip = np.arccos(k * big_r / (k * big_r + h_site_m))
    arc = k * big_r * (dip + np.arccos(k * big_r / (k * big_r + h_t)))
    assert arc == pytest.approx(4120.0 * (np.sqrt(h_site_m) + np.sqrt(h_t)), rel=0.015)
    r = _equator_target(arc / big_r * np.array([0.9999, 1.0001]), h_t)[None]
    ok, _, _, _ = radar_access(r, np.array([0.0]), _params(alt_m=h_site_m, refraction_k=k, min_el_rad=-dip))
    assert ok[0, 0].tolist() == [True, False]
    ok1, _, _, _ = radar_access(r, np.array([0.0]), _params(alt_m=h_site_m, min_el_rad=-dip))
    assert ok1[0, 0].tolist() == [False, False]


def test_radar_range_equation_and_swerling_pd():
    """SNR = SNR_ref (sigma/sigma_ref) (R_ref/R)^4: 20 at the reference, 20 x 16 at half
    the range, 20 x 10 for a 1 m^2 target; Pd from the Swerling-1 closed form."""
    snr = radar_snr(np.array([1000e3, 500e3, 1000e3]), np.array([0.1, 0.1, 1.0]), 20.0, 0.1, 1000e3)
    np.testing.assert_allclose(snr, [20.0, 320.0, 200.0], rtol=1e-12)
    p = _params()
    np.testing.assert_allclose(radar_pd(snr[None, None, :], p)[0, 0], 1e-6 ** (1.0 / (1.0 + snr)), rtol=1e-12)
    np.testing.assert_allclose(radar_pd(snr[None, None, :], _params(pd=0.4))[0, 0], 0.4)


def _fly_past(n_t=4000, n_n=3):
    """Targets on fixed ECI rays climbing away from a site at the origin meridian (theta = 0)."""
    t = np.arange(n_t, dtype=float)
    base = _equator_target(np.radians([2.0, 4.0, 6.0])[:n_n], 50e3)
    v = np.array([[0.0, 1000.0, 200.0], [0.0, -500.0, 0.0], [300.0, 0.0, 100.0]])[:n_n]
    r = base[None] + v[None] * (t[:, None, None] % 50.0)
    return t, r, np.broadcast_to(v, r.shape).copy()


def test_observe_radar_statistics_noise_and_range_rate():
    """With access everywhere: detection counts per target within 4 binomial sigma of the
    Swerling-1 Pd at each look's SNR (summed over looks); range and elevation noise
    normalised by their SNR-scaled sigma have unit std (4 %); the measured range rate
    normalised likewise by its sigma has unit std about the exact rate
    d(range)/dt (a central difference over +-1 ms of the geometry); azimuths wrapped to
    [0, 2 pi); the same seed gives the same table."""
    t, r, v = _fly_past()
    n_t, n_n = r.shape[:2]
    access = np.ones((n_t, 1, n_n), dtype=bool)
    frames = np.ones((n_t, 1), dtype=bool)
    rcs = np.full((n_t, n_n), 0.1)
    p = _params(reference_snr=5.0, sigma_range_m=15.0, sigma_angle_rad=2e-3)

    def run(seed):
        return observe_radar(access, frames, r, v, rcs, np.zeros(n_t), t, p, [np.random.default_rng(seed)], 5)

    det = run(11)
    ok, az, el, rng = radar_access(r, np.zeros(n_t), p)
    snr = radar_snr(rng, rcs[:, None, :], 5.0, 0.1, 1000e3)
    pd = radar_pd(snr, p)[:, 0, :]
    for i in range(n_n):
        hits = np.sum(det["truth_id"] == i)
        assert abs(hits - pd[:, i].sum()) < 4 * np.sqrt(np.sum(pd[:, i] * (1 - pd[:, i])))
    assert np.all(det["kind"] == RADAR) and np.all(det["sensor_id"] == 5)
    ti, ni = det["t_s"].astype(int), det["truth_id"]
    s_true = snr[ti, 0, ni]
    for col, truth, sigma in ((0, rng[ti, 0, ni], 15.0), (2, el[ti, 0, ni], 2e-3)):
        scaled = noise_sigma(sigma, s_true, 5.0, 0.1)
        np.testing.assert_allclose(np.sqrt(det["R"][:, col, col]), scaled, rtol=1e-12)
        assert np.std((det["z"][:, col] - truth) / scaled) == pytest.approx(1.0, rel=0.04)
    site = _equator_target(0.0, 0.0)[0]

    def rng_at(dt):  # the site turns with the Earth: at theta = OMEGA dt it is rotated in ECI
        return np.linalg.norm(r[ti, ni] + dt * v[ti, ni] - ecef_to_eci(site, OMEGA_EARTH_RAD_S * dt), axis=1)

    rate = (rng_at(1e-3) - rng_at(-1e-3)) / 2e-3
    scaled = noise_sigma(2.0, s_true, 5.0, 0.1)
    np.testing.assert_allclose(det["range_rate_sigma_m_s"], scaled, rtol=1e-12)
    assert np.std((det["range_rate_m_s"] - rate) / scaled) == pytest.approx(1.0, rel=0.04)
    assert np.all((det["z"][:, 1] >= 0) & (det["z"][:, 1] < 2 * np.pi))
    assert np.all(det["snr"] >= -np.log(1e-6))
    again = run(11)
    for k in det:
        np.testing.assert_array_equal(det[k], again[k])
    assert not np.array_equal(run(12)["z"][:100], det["z"][:100])


def test_ship_sails_a_great_circle_and_measures_from_where_it_is():
    """A ship at 30 N 130 E steaming 090 at 30 kn: its ECEF speed is 30 kn (1e-4; the track
    uses the ellipsoid's radius of curvature along the initial course), after 2 h it is
    111.12 km from its start (straight-line ECEF distance, 0.05 %) on an initial bearing
    of 90 deg; a radar detection from it at t = 2 h measures range and range rate from
    the moved, moving site (noise-free check through a 1e-9 noise, at Pd = 1)."""
    p = _params(30.0, 130.0, course_rad=np.radians(90.0), speed_m_s=30 * KNOT_M_S, pd=1.0,
                sigma_range_m=1e-9, sigma_angle_rad=1e-12, sigma_rate_m_s=1e-9, noise_floor=0.0)
    lat, lon = p.site_latlon(np.array([0.0, 7200.0]))
    _, bearing = great_circle(lat[0], lon[0], lat[1], lon[1])
    assert np.degrees(bearing[0]) == pytest.approx(90.0, abs=1e-9)
    pos, vel, _ = p.sites(np.array([0.0, 7200.0]))
    assert np.linalg.norm(pos[1, 0] - pos[0, 0]) == pytest.approx(30 * 1852.0 * 2, rel=5e-4)
    assert np.linalg.norm(vel[1, 0]) == pytest.approx(30 * KNOT_M_S, rel=1e-4)
    offset = np.array([100e3, 50e3, 300e3])
    tgt = pos[1] + offset
    det = observe_radar(np.ones((1, 1, 1), bool), np.ones((1, 1), bool), tgt[None], np.zeros((1, 1, 3)), np.full((1, 1), 1.0),
                        np.zeros(1), np.array([7200.0]), p, [np.random.default_rng(1)], 0)
    assert det["z"][0, 0] == pytest.approx(np.linalg.norm(offset), abs=1e-6)
    np.testing.assert_allclose(det["sensor_r_eci_m"][0], pos[1, 0], atol=1e-6)
    v_tgt_ecef = -np.cross([0.0, 0.0, OMEGA_EARTH_RAD_S], tgt[0])  # at rest in ECI
    expected = np.dot(v_tgt_ecef - vel[1, 0], offset) / np.linalg.norm(offset)
    assert det["range_rate_m_s"][0] == pytest.approx(expected, abs=1e-6)
