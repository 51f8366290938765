"""Walker constellations (Walker 1984, JBIS 37): counts, node spacing, in-plane spacing and
inter-plane phasing, checked element by element and through the resulting geometry."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.orbits.kepler import elements_to_rv
from tracklayer.orbits.walker import walker_elements

TWO_PI = 2 * np.pi


def _dang(a, b):
    return np.abs(np.mod(np.asarray(a) - b + np.pi, TWO_PI) - np.pi)


@pytest.mark.parametrize("pattern, spread", [("delta", 360.0), ("star", 180.0)])
@pytest.mark.parametrize("planes, per_plane, phasing", [(4, 7, 1), (6, 9, 3), (1, 5, 0), (3, 1, 2)])
def test_walker_layout(pattern, spread, planes, per_plane, phasing):
    """T = P x S rows in plane-major order; RAAN of plane p = raan0 + p * spread/P (spread
    360 deg delta, 180 deg star); in-plane spacing 360/S deg; satellite s of plane p has
    M = s * 360/S + p * F * 360/T deg; a, e, i copied, argp 0. Angles to 1e-12 rad."""
    raan0 = np.radians(15.0)
    el = walker_elements(planes, per_plane, phasing, np.radians(53.0), 7378e3, 0.001, raan0, pattern)
    total = planes * per_plane
    assert all(v.shape == (total,) for v in el.values())
    np.testing.assert_array_equal(el["plane"], np.repeat(np.arange(planes), per_plane))
    np.testing.assert_array_equal(el["slot"], np.tile(np.arange(per_plane), planes))
    np.testing.assert_array_equal(el["a_m"], 7378e3)
    np.testing.assert_array_equal(el["ecc"], 0.001)
    np.testing.assert_array_equal(el["inc_rad"], np.radians(53.0))
    np.testing.assert_array_equal(el["argp_rad"], 0.0)
    for k in range(total):
        p, s = divmod(k, per_plane)
        assert _dang(el["raan_rad"][k], raan0 + np.radians(p * spread / planes)) < 1e-12
        expected_m = np.radians(s * 360.0 / per_plane + p * phasing * 360.0 / total)
        assert _dang(el["mean_anomaly_rad"][k], expected_m) < 1e-12
    assert np.all((el["raan_rad"] >= 0) & (el["raan_rad"] < TWO_PI))
    assert np.all((el["mean_anomaly_rad"] >= 0) & (el["mean_anomaly_rad"] < TWO_PI))


def test_walker_delta_24_3_1_geometry():
    """Walker delta 55: 24/3/1 (the classic GPS-like example): the three orbit normals are
    120 deg apart and all at 55 deg from the pole; in each plane the 8 satellites are 45 deg
    apart (positions from elements_to_rv); plane 1 leads plane 0 by F * 360/T = 15 deg in
    argument of latitude. Angles to 1e-9 rad."""
    el = walker_elements(3, 8, 1, np.radians(55.0), 26560e3)
    r, v = elements_to_rv(el["a_m"], el["ecc"], el["inc_rad"], el["raan_rad"], el["argp_rad"], el["mean_anomaly_rad"])
    h = np.cross(r, v)
    h /= np.linalg.norm(h, axis=1, keepdims=True)
    normals = h[::8]
    np.testing.assert_allclose(np.degrees(np.arccos(normals[:, 2])), 55.0, atol=1e-7)
    node_lon = np.degrees(np.arctan2(normals[:, 0], -normals[:, 1]))
    np.testing.assert_allclose(_dang(np.radians(np.diff(node_lon)), np.radians(120.0)), 0.0, atol=1e-9)
    plane0 = r[:8] / np.linalg.norm(r[:8], axis=1, keepdims=True)
    sep = np.degrees(np.arccos(np.clip(np.sum(plane0 * np.roll(plane0, -1, axis=0), axis=1), -1, 1)))
    np.testing.assert_allclose(sep, 45.0, atol=1e-7)
    # Argument of latitude (angle from the ascending node) of slot 0 in planes 0 and 1.
    u = []
    for p in range(2):
        node = np.array([np.cos(np.radians(node_lon[p])), np.sin(np.radians(node_lon[p])), 0.0])
        rp = r[8 * p] / np.linalg.norm(r[8 * p])
        u.append(np.arctan2(np.dot(np.cross(node, rp), normals[p]), np.dot(node, rp)))
    assert _dang(u[1] - u[0], np.radians(15.0)) < 1e-9
