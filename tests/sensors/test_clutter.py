"""Sun-dependent look-down clutter: the density has the documented shape and mean, and the
false alarms a staring sensor draws follow it (Monte Carlo against an independent
quadrature of the density over the sensor's view)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from tracklayer.earth.constants import R_EARTH_MEAN_M, WGS84_A_M
from tracklayer.scenario.schema import InfraredSensor
from tracklayer.sensors.clutter import SolarClutter, ground_cos_sza
from tracklayer.sensors.geometry import earth_angular_radius_rad
from tracklayer.sensors.infrared import InfraredPairs, InfraredParams, observe_infrared
from tracklayer.sensors.measurements import unit

SHAPES = [SolarClutter(0.1, 1.0, np.radians(8.0)), SolarClutter(0.0, 0.0, np.radians(5.0)), SolarClutter(1.0, 3.0, np.radians(20.0))]


@pytest.mark.parametrize("c", SHAPES)
def test_mean_over_a_uniformly_lit_sphere_is_one(c):
    """(1/2) integral of w over mu = cos(SZA) in [-1, 1] is 1 (scipy's adaptive quadrature,
    independent of the module's Gauss-Legendre rule), so Pfa stays the mean."""
    mean = 0.5 * quad(lambda mu: float(c.weight(np.array(mu))), -1.0, 1.0, points=[0.0], limit=200)[0]
    assert mean == pytest.approx(1.0, rel=1e-6)


def test_density_follows_the_documented_shape():
    """Relative to the overhead Sun: the night floor deep on the dark side, the day term
    Lambertian away from the terminator, the terminator band at 90 deg, the envelope
    above every value."""
    c = SolarClutter(0.1, 1.0, np.radians(8.0))
    w = lambda deg: float(c.weight(np.cos(np.radians(np.array(deg)))))  # noqa: E731
    assert w(150.0) / w(0.0) == pytest.approx(0.1 / 1.1, rel=1e-9)
    assert w(30.0) / w(0.0) == pytest.approx((0.1 + np.cos(np.radians(30.0))) / 1.1, rel=1e-6)
    assert w(90.0) / w(0.0) == pytest.approx(1.1 / 1.1, rel=1e-9)  # night + peak, no day term
    assert w(90.0) > w(70.0) and w(90.0) > w(105.0) > w(150.0)  # the band stands out of the fading day
    grid = c.weight(np.cos(np.linspace(0.0, np.pi, 100_001)))
    assert grid.max() <= c.max_weight <= grid.max() * 1.002


def test_ground_point_zenith_angle():
    """Nadir from above the subsolar point sees SZA 0; a line of sight that grazes the
    Earth meets it at the tangent point."""
    sat = np.array([[WGS84_A_M + 1000e3, 0.0, 0.0]])
    assert ground_cos_sza(sat, np.array([[-1.0, 0.0, 0.0]]), np.array([[1.0, 0.0, 0.0]]))[0] == pytest.approx(1.0)
    rho = np.arcsin(R_EARTH_MEAN_M / sat[0, 0])
    u = np.array([[-np.cos(rho), np.sin(rho), 0.0]])
    tangent_angle = np.pi / 2 - rho  # Earth-central angle of the tangent point from the sub-satellite point
    got = ground_cos_sza(sat, u, np.array([[1.0, 0.0, 0.0]]))[0]
    assert got == pytest.approx(np.cos(tangent_angle), abs=1e-6)


def _params(clutter: SolarClutter | None, pfa: float) -> InfraredParams:
    one = lambda v: np.array([v], dtype=np.float64)  # noqa: E731
    return InfraredParams(
        half_angle_rad=one(np.radians(60.0)), fov_half_rad=one(np.radians(60.0)), ifov_rad=one(1e-3), max_range_m=one(5000e3),
        grazing_m=one(20e3), min_target_alt_m=one(0.0), revisit_s=one(1.0), band_m=np.array([[1.4e-6, 3.0e-6]]),
        nei_w_m2=np.array([[1e-9, 5e-10]]), pfa=np.array([[pfa, 1e-12]]), sun_exclusion_rad=one(0.5), zenith_optical_depth=one(1.0),
        scale_height_m=one(3e3), band_ratio=one(1.0), centroid_floor_px=one(0.2), max_targets=np.array([1]), pd=one(np.nan),
        sigma_rad=one(np.nan), false_alarms_per_frame=one(np.nan), scan_period_s=one(np.nan), scan_dwell_s=one(np.nan),
        solar_clutter=None if clutter is None else np.array([[clutter.night, clutter.peak, clutter.width_rad]]),
    )


def _false_alarms(clutter, pfa, sun, n_t, seed):
    """Look-down false alarms of one staring sensor over ``n_t`` frames, no targets."""
    sat = np.array([WGS84_A_M + 1000e3, 0.0, 0.0])
    empty = InfraredPairs(*(np.zeros(0, dtype=int),) * 3, np.zeros(0), np.zeros(0, np.int8), *(np.zeros(0),) * 4)
    r_sat = np.broadcast_to(sat, (n_t, 1, 3)).copy()
    det = observe_infrared(empty, np.ones((n_t, 1), bool), r_sat, np.zeros((n_t, 0, 3)), np.arange(float(n_t)), _params(clutter, pfa),
                           [np.random.default_rng(seed)], sun_unit=sun)
    rho = float(earth_angular_radius_rad(sat))
    down = np.sum(det["z"] * -unit(det["sensor_r_eci_m"]), axis=1) >= np.cos(rho)
    return det, down, sat, rho


def _expected_by_sza(c, sat, rho, sun, edges_deg, pixels_per_sr):
    """Expected false alarms per frame in SZA bins: the density integrated over the
    look-down cone on a fine (off-nadir angle, azimuth) grid."""
    th = (np.arange(600) + 0.5) / 600 * rho
    ph = (np.arange(360) + 0.5) / 360 * 2 * np.pi
    T, P = np.meshgrid(th, ph, indexing="ij")
    axis = -unit(sat)
    e1, e2 = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])
    u = np.cos(T)[..., None] * axis + np.sin(T)[..., None] * (np.cos(P)[..., None] * e1 + np.sin(P)[..., None] * e2)
    cz = ground_cos_sza(np.broadcast_to(sat, (u.size // 3, 3)), u.reshape(-1, 3), np.broadcast_to(sun, (u.size // 3, 3)))
    d_omega = (np.sin(T) * (rho / 600) * (2 * np.pi / 360)).ravel()
    sza = np.degrees(np.arccos(np.clip(cz, -1, 1)))
    return np.array([np.sum((c.weight(cz) * d_omega)[(sza >= lo) & (sza < hi)]) for lo, hi in zip(edges_deg[:-1], edges_deg[1:])]) * pixels_per_sr


def test_false_alarms_follow_the_density_across_the_terminator():
    """Terminator under the satellite (the Sun 90 deg from its nadir): the disk spans SZA
    60-120 deg. False alarms per SZA bin over 400 frames within 4 Poisson sigma of the
    density integrated over the view; per solid angle the terminator band holds more
    than the low-Sun day side, and that more than the night side (5x fewer than
    the band)."""
    c = SolarClutter(0.1, 1.0, np.radians(8.0))
    n_t, pfa = 400, 2e-6
    sun = np.tile([0.0, 1.0, 0.0], (n_t, 1))
    det, down, sat, rho = _false_alarms(c, pfa, sun, n_t, seed=11)
    r = det["sensor_r_eci_m"][down]
    sza = np.degrees(np.arccos(ground_cos_sza(r, det["z"][down], sun[det["t_s"][down].astype(int)])))
    edges = np.array([0.0, 70.0, 85.0, 95.0, 110.0, 180.0])
    got = np.histogram(sza, edges)[0]
    want = n_t * _expected_by_sza(c, sat, rho, sun[0], edges, pfa / 1e-6)
    assert np.all(np.abs(got - want) < 4 * np.sqrt(want) + 1)
    uniform = type("Uniform", (), {"weight": staticmethod(np.ones_like)})()
    flat = n_t * _expected_by_sza(uniform, sat, rho, sun[0], edges, pfa / 1e-6)
    flat *= got.sum() / flat.sum()  # the same false alarms spread by solid angle only
    day, band, night = got[1] / flat[1], got[2] / flat[2], got[4] / flat[4]
    assert band > day > night and band > 5 * night, (got, flat)


def test_mean_over_sun_positions_is_the_configured_pfa():
    """With the Sun in random directions frame by frame, look-down false alarms per frame
    average Pfa x pixels (the uniform model's mean) within 4 sigma; with the Sun fixed
    overhead more, fixed behind the Earth fewer."""
    n_t, pfa = 3000, 1e-6
    sun = unit(np.random.default_rng(5).standard_normal((n_t, 3)))
    c = SolarClutter(0.1, 1.0, np.radians(8.0))
    _, down, sat, rho = _false_alarms(c, pfa, sun, n_t, seed=12)
    mean = n_t * pfa * 2 * np.pi * (1 - np.cos(rho)) / 1e-6
    assert abs(down.sum() - mean) < 4 * np.sqrt(mean)
    day = _false_alarms(c, pfa, np.tile([1.0, 0.0, 0.0], (300, 1)), 300, seed=13)[1].sum()
    night = _false_alarms(c, pfa, np.tile([-1.0, 0.0, 0.0], (300, 1)), 300, seed=14)[1].sum()
    assert day > 2 * mean / 10 > night


def test_uniform_without_clutter_or_sun():
    """No clutter spec, or no Sun given: the uniform model's exact draws."""
    n_t = 50
    sun = np.tile([1.0, 0.0, 0.0], (n_t, 1))
    a = _false_alarms(None, 1e-6, sun, n_t, seed=3)[0]
    b = _false_alarms(SolarClutter(0.1, 1.0, 0.1), 1e-6, None, n_t, seed=3)[0]
    c = _false_alarms(None, 1e-6, None, n_t, seed=3)[0]
    for k in ("t_s", "z", "snr"):
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(a[k], c[k])


def test_schema_carries_the_clutter_parameters():
    s = InfraredSensor.model_validate({"look_down_clutter": {"night": 0.2, "terminator_width_deg": 5}})
    assert s.look_down_clutter.night == 0.2 and s.look_down_clutter.terminator_peak == 1.0
    p = InfraredParams.from_constellations([type("C", (), {"sensor": s})()], np.array([0, 0]))
    assert p.clutter(1) == SolarClutter(0.2, 1.0, np.radians(5.0))
    assert InfraredParams.from_constellations([type("C", (), {"sensor": InfraredSensor()})()], np.array([0])).clutter(0) is None
