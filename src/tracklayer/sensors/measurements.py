"""Measurement functions shared by sensing (to generate) and tracking (to predict).

* angles: the line-of-sight unit vector from the sensor to the target in ECI. Noise is
  an isotropic angular error of sigma (rad) perpendicular to it, so its covariance is
  R = sigma^2 (I - u u^T) (rank 2). The tracker compares predictions in the plane
  tangent to the measured direction (gnomonic projection).
* radar: slant range (m), azimuth (rad from north, clockwise) and elevation (rad) in
  the site's local east-north-up frame.
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.frames import eci_to_ecef, enu_to_aer


def unit(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis."""
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def tangent_basis(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors (..., 3) completing unit vectors ``u`` to a right-handed frame."""
    helper = np.zeros_like(u)
    use_x = np.abs(u[..., 2]) > 0.9
    helper[..., 2] = np.where(use_x, 0.0, 1.0)
    helper[..., 0] = np.where(use_x, 1.0, 0.0)
    e1 = unit(np.cross(helper, u))
    e2 = np.cross(u, e1)
    return e1, e2


def perturb_direction(u: np.ndarray, sigma_rad: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Unit vectors ``u`` (n, 3) tilted by angular noise: normal (n, 2) standard deviates."""
    e1, e2 = tangent_basis(u)
    s = np.asarray(sigma_rad)[..., None]
    return unit(u + s * (normal[:, :1] * e1 + normal[:, 1:2] * e2))


def angles_covariance(u: np.ndarray, sigma_rad: np.ndarray) -> np.ndarray:
    """R = sigma^2 (I - u u^T), shape (n, 3, 3)."""
    s2 = np.asarray(sigma_rad, dtype=np.float64)[:, None, None] ** 2
    return s2 * (np.eye(3)[None] - u[:, :, None] * u[:, None, :])


def radar_aer(r_eci_m: np.ndarray, theta_rad: np.ndarray, site_ecef_m: np.ndarray, enu_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Azimuth, elevation, range of ECI positions seen from radar sites.

    Parameters
    ----------
    r_eci_m : (..., 3) target positions in ECI
    theta_rad : Earth rotation angle broadcast against ``r_eci_m.shape[:-1]``
    site_ecef_m : (..., 3) site positions in ECEF
    enu_rows : (..., 3, 3) the sites' east/north/up unit vectors (rows) in ECEF
    """
    rel = eci_to_ecef(r_eci_m, theta_rad) - site_ecef_m
    enu = np.einsum("...ij,...j->...i", enu_rows, rel)
    return enu_to_aer(enu)
