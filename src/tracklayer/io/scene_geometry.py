"""Display geometry of a 3-D scene: infrared footprints, radar fans and covariance
ellipsoids, shared by the CZML writer (`tracklayer.io.czml`) and the viewer.

These turn sensor parameters and track covariances into what a globe draws. They
are the same geometry the sensing model uses (`tracklayer.sensors.geometry`), in
the closed forms a picture needs, on a sphere of the WGS 84 equatorial radius
(footprint edges within about 0.3 % of the ellipsoidal answer).
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import R_EARTH_MEAN_M, WGS84_A_M


def footprint_central_angle_rad(
    sat_radius_m: np.ndarray,
    half_angle_rad: np.ndarray,
    max_range_m: np.ndarray,
    grazing_m: np.ndarray,
    target_alt_m: np.ndarray,
    earth_radius_m: float = WGS84_A_M,
) -> np.ndarray:
    """Earth central angle from the sub-satellite point to the edge of infrared access.

    A target at altitude ``target_alt_m`` is seen iff it lies inside the cone of
    half-angle ``half_angle_rad`` about geocentric nadir, within ``max_range_m``,
    and the line of sight clears the sphere inflated by ``grazing_m`` (a target
    below the grazing altitude: the sensor must be above its horizon). The edge is
    the smallest of the three limits. With S the sensor, T the target and O the
    centre (|OS| = rs, |OT| = rt, angle at S = off-nadir eta, angle at O = lam):

    * field of regard: rs sin(eta) = rt sin(eta + lam), the near intersection,
      lam = asin(rs sin(eta) / rt) - eta (no limit if the cone misses the sphere);
    * range: cos(lam) = (rs² + rt² - rho²) / (2 rs rt);
    * Earth blockage: lam = acos(g/rs) + acos(g/rt) for rt >= g (tangent to the
      grazing sphere of radius g), lam = acos(rt/rs) otherwise.

    Parameters
    ----------
    sat_radius_m : (N,) geocentric distance of the sensor, m
    half_angle_rad : (N,) field-of-regard half-angle about nadir, rad
    max_range_m : (N,) maximum slant range, m
    grazing_m : (N,) grazing altitude of the line of sight, m
    target_alt_m : (N,) target altitude for which the footprint is drawn, m
    earth_radius_m : sphere radius, m

    Returns
    -------
    (N,) central angle, rad (0 where nothing is visible).
    """
    rs = np.asarray(sat_radius_m, dtype=np.float64)
    eta = np.asarray(half_angle_rad, dtype=np.float64)
    rho = np.asarray(max_range_m, dtype=np.float64)
    rt = earth_radius_m + np.asarray(target_alt_m, dtype=np.float64)
    rg = earth_radius_m + np.asarray(grazing_m, dtype=np.float64)
    s = rs * np.sin(eta) / rt
    lam_for = np.where(s < 1.0, np.arcsin(np.minimum(s, 1.0)) - eta, np.inf)
    lam_for = np.where(eta >= np.pi / 2, np.inf, lam_for)
    c = (rs**2 + rt**2 - rho**2) / (2.0 * rs * rt)
    lam_rng = np.where(c <= -1.0, np.pi, np.arccos(np.clip(c, -1.0, 1.0)))
    with np.errstate(invalid="ignore"):
        lam_hor = np.where(rt >= rg, np.arccos(np.minimum(rg / rs, 1.0)) + np.arccos(np.minimum(rg / rt, 1.0)), np.arccos(np.minimum(rt / rs, 1.0)))
    return np.maximum(np.minimum(np.minimum(lam_for, lam_rng), lam_hor), 0.0)


def radar_fan_angles_rad(
    az_center_rad: np.ndarray, az_width_rad: np.ndarray, min_el_rad: np.ndarray, max_el_rad: np.ndarray
) -> dict[str, np.ndarray]:
    """Clock and cone limits of a radar's coverage in the site's east-north-up frame.

    Cesium's partial ellipsoid measures clock from east towards north and cone from
    up; radar azimuth runs from north towards east. So clock = pi/2 - azimuth and
    cone = pi/2 - elevation. The minimum clock lies in [0, 2 pi); a full circle (width >= 2 pi) is [0, 2 pi].

    Parameters
    ----------
    az_center_rad, az_width_rad : (N,) sector centre (from north, clockwise) and width, rad
    min_el_rad, max_el_rad : (N,) elevation limits, rad

    Returns
    -------
    dict of (N,) arrays: ``minimum_clock``, ``maximum_clock``, ``minimum_cone``, ``maximum_cone``, rad.
    """
    centre = np.asarray(az_center_rad, dtype=np.float64)
    width = np.asarray(az_width_rad, dtype=np.float64)
    full = width >= 2.0 * np.pi - 1e-9
    lo = np.where(full, 0.0, np.mod(np.pi / 2.0 - centre - width / 2.0, 2.0 * np.pi))
    hi = np.where(full, 2.0 * np.pi, lo + width)
    return {
        "minimum_clock": lo,
        "maximum_clock": hi,
        "minimum_cone": np.pi / 2.0 - np.asarray(max_el_rad, dtype=np.float64),
        "maximum_cone": np.pi / 2.0 - np.asarray(min_el_rad, dtype=np.float64),
    }


def covariance_axes(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal standard deviations and a rotation quaternion of position covariances.

    Parameters
    ----------
    p : (N, 3, 3) symmetric position covariances, m², in some frame F

    Returns
    -------
    sigma_m : (N, 3) square roots of the eigenvalues, m (ascending)
    quat_xyzw : (N, 4) unit quaternions [x, y, z, w] of the rotation whose columns
        are the eigenvectors (body axes -> F), as Cesium's ``Quaternion``.
    """
    w, v = np.linalg.eigh(np.asarray(p, dtype=np.float64))
    v = v.copy()
    v[np.linalg.det(v) < 0, :, 2] *= -1.0  # proper rotation
    return np.sqrt(np.maximum(w, 0.0)), _matrix_to_quaternion(v)


def _matrix_to_quaternion(m: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3) to unit quaternions (N, 4) [x, y, z, w] (Shepperd's method)."""
    n = m.shape[0]
    q = np.empty((n, 4))
    tr = np.trace(m, axis1=1, axis2=2)
    diag = np.stack([m[:, 0, 0], m[:, 1, 1], m[:, 2, 2]], axis=1)
    case = np.where(tr > diag.max(axis=1), 3, diag.argmax(axis=1))
    for k in range(4):
        rows = case == k
        a = m[rows]
        if k == 3:
            s = 2.0 * np.sqrt(1.0 + np.trace(a, axis1=1, axis2=2))
            q[rows] = np.stack([(a[:, 2, 1] - a[:, 1, 2]) / s, (a[:, 0, 2] - a[:, 2, 0]) / s, (a[:, 1, 0] - a[:, 0, 1]) / s, 0.25 * s], axis=1)
            continue
        i, j, c = k, (k + 1) % 3, (k + 2) % 3
        s = 2.0 * np.sqrt(1.0 + a[:, i, i] - a[:, j, j] - a[:, c, c])
        out = np.empty((a.shape[0], 4))
        out[:, i] = 0.25 * s
        out[:, j] = (a[:, j, i] + a[:, i, j]) / s
        out[:, c] = (a[:, c, i] + a[:, i, c]) / s
        out[:, 3] = (a[:, c, j] - a[:, j, c]) / s
        q[rows] = out
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def ground_sector(
    lat_rad: float, lon_rad: float, min_ground_m: float, max_ground_m: float, az_center_rad: float, az_width_rad: float,
    n: int = 48, radius_m: float = R_EARTH_MEAN_M,
) -> tuple[np.ndarray, np.ndarray]:
    """Outline of an annular ground sector (an over-the-horizon radar's coverage).

    Great-circle destinations from the site (the spherical model the radar access
    test uses, `tracklayer.sensors.radar`): the outer arc at ``max_ground_m`` from
    one sector edge to the other, then the inner arc back at ``min_ground_m``.

    Returns
    -------
    lat_rad, lon_rad : (2 n,) outline vertices, rad
    """
    half = min(az_width_rad, 2.0 * np.pi) / 2.0
    az = az_center_rad + np.linspace(-half, half, n)
    delta = np.r_[np.full(n, max_ground_m), np.full(n, min_ground_m)] / radius_m
    az = np.r_[az, az[::-1]]
    lat2 = np.arcsin(np.sin(lat_rad) * np.cos(delta) + np.cos(lat_rad) * np.sin(delta) * np.cos(az))
    lon2 = lon_rad + np.arctan2(np.sin(az) * np.sin(delta) * np.cos(lat_rad), np.cos(delta) - np.sin(lat_rad) * np.sin(lat2))
    return lat2, np.mod(lon2 + np.pi, 2.0 * np.pi) - np.pi
