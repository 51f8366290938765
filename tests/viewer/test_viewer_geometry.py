"""Display geometry against independent references: the sensing model's own access
kernels (NumPy references), great-circle distances and SciPy rotations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from tracklayer.earth.constants import DEG, WGS84_A_M
from tracklayer.earth.frames import aer_to_enu, great_circle
from tracklayer.io.scene_geometry import covariance_axes, footprint_central_angle_rad, ground_sector, radar_fan_angles_rad
from tracklayer.sensors.geometry import inflated_ellipsoid, infrared_access_numpy
from tracklayer.sensors.radar import in_sector


def _equator_point(radius_m: float, lon_rad: np.ndarray) -> np.ndarray:
    return np.stack([radius_m * np.cos(lon_rad), radius_m * np.sin(lon_rad), np.zeros_like(lon_rad)], axis=-1)


@pytest.mark.parametrize(
    "alt_km, for_deg, range_km, grazing_km, target_km",
    [(1000, 120, 5000, 20, 10), (1000, 60, 5000, 20, 10), (1000, 120, 2500, 20, 10), (550, 160, 9000, 0, 30), (20000, 30, 40000, 20, 10)],
)
def test_footprint_edge_matches_access_kernel(alt_km, for_deg, range_km, grazing_km, target_km):
    """Along the equator the WGS 84 ellipsoid is a circle of radius a, so the closed form must
    place the footprint edge where the sensing model's access test flips, to 0.01 deg (about 1 km)."""
    lam = footprint_central_angle_rad(WGS84_A_M + alt_km * 1e3, for_deg / 2 * DEG, range_km * 1e3, grazing_km * 1e3, target_km * 1e3)
    probe = np.linspace(0.0, 80.0, 16001) * DEG
    r_sat = _equator_point(WGS84_A_M + alt_km * 1e3, np.zeros(1))[None]
    r_tgt = _equator_point(WGS84_A_M + target_km * 1e3, probe)[None]
    a, k = inflated_ellipsoid(np.array([grazing_km * 1e3]))
    out = np.zeros((1, 1, probe.size), dtype=bool)
    infrared_access_numpy(r_sat, r_tgt, np.cos(np.array([for_deg / 2 * DEG])), np.array([range_km * 1e3]), a, k, out)
    seen = out[0, 0]
    edge = probe[np.nonzero(seen)[0].max()]
    assert seen[: np.nonzero(seen)[0].max() + 1].all(), "access region is not one cap about nadir"
    assert abs(float(lam) - edge) < 0.01 * DEG


def test_radar_fan_angles_agree_with_the_radar_sector_test(rng):
    """A direction lies inside the fan (Cesium clock/cone, east->north and from up) iff the radar
    model's azimuth-sector and elevation tests accept it."""
    centre, width = rng.uniform(0, 2 * np.pi, 50), rng.uniform(0.2, 2 * np.pi, 50)
    lo_el, hi_el = rng.uniform(-0.05, 0.3, 50), rng.uniform(0.5, np.pi / 2, 50)
    fan = radar_fan_angles_rad(centre, width, lo_el, hi_el)
    az, el = rng.uniform(0, 2 * np.pi, (2000, 1)), rng.uniform(-0.1, np.pi / 2, (2000, 1))
    enu = aer_to_enu(az, el, 1.0)
    clock = np.mod(np.arctan2(enu[..., 1], enu[..., 0]) - fan["minimum_clock"], 2 * np.pi)
    cone = np.arccos(np.clip(enu[..., 2], -1, 1))
    in_fan = (clock <= fan["maximum_clock"] - fan["minimum_clock"]) & (cone >= fan["minimum_cone"]) & (cone <= fan["maximum_cone"])
    in_radar = in_sector(az, centre, width / 2) & (el >= lo_el) & (el <= hi_el)
    assert np.array_equal(in_fan, in_radar)
    assert np.all((fan["minimum_clock"] >= 0) & (fan["minimum_clock"] < 2 * np.pi))


def test_covariance_axes_rebuild_the_covariance(rng):
    """R diag(sigma^2) R^T with R from the quaternion (read by SciPy, scalar last) gives P back."""
    a = rng.normal(size=(200, 3, 3)) * rng.uniform(10, 5000, (200, 1, 1))
    p = a @ np.transpose(a, (0, 2, 1))
    sigma, quat = covariance_axes(p)
    r = Rotation.from_quat(quat).as_matrix()
    rebuilt = r @ (sigma[:, :, None] ** 2 * np.eye(3)) @ np.transpose(r, (0, 2, 1))
    assert np.allclose(rebuilt, p, rtol=1e-9, atol=1e-6 * p.max())
    assert np.allclose(np.linalg.norm(quat, axis=1), 1.0)
    assert np.all(np.diff(sigma, axis=1) >= 0)


def test_ground_sector_vertices_lie_at_the_requested_range_and_bearing():
    lat, lon = 35.0 * DEG, 120.0 * DEG
    la, lo = ground_sector(lat, lon, 900e3, 3000e3, 10.0 * DEG, 90.0 * DEG, n=12)
    dist, bearing = great_circle(np.full(24, lat), np.full(24, lon), la, lo)
    from tracklayer.earth.constants import R_EARTH_MEAN_M

    assert np.allclose(dist[:12] * R_EARTH_MEAN_M, 3000e3, atol=1.0) and np.allclose(dist[12:] * R_EARTH_MEAN_M, 900e3, atol=1.0)
    expected = np.r_[np.linspace(-35, 55, 12), np.linspace(55, -35, 12)] * DEG
    assert np.allclose(np.angle(np.exp(1j * (bearing - expected))), 0.0, atol=1e-9)
