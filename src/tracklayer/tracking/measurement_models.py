"""Measurement models for the tracker: predicted measurement, innovation and Jacobian.

Both models work on pairs (track i, detection j) given as broadcastable arrays, so
a whole gate matrix is evaluated at once.

* angles (space IR): the prediction is projected on the plane tangent to the
  measured line of sight u_m (gnomonic projection): with d = r - s,
  h(x) = E d / (u_m . d), E = [e1; e2] the tangent basis of u_m, and the measured
  value is 0, so the innovation is -h(x) and R = sigma^2 I_2.
  dh/dd = (E - h u_m^T) / (u_m . d).
* radar: h(x) = (range, azimuth, elevation) of M (r - s), M the site's
  east/north/up rows expressed in ECI (so no rotation is needed per pair).
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.frames import enu_to_aer
from tracklayer.sensors.measurements import tangent_basis


def angles_model(r: np.ndarray, u_m: np.ndarray, s: np.ndarray, sigma2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Innovation (..., 2), Jacobian (..., 2, 6), R (..., 2, 2) and validity (...).

    Parameters
    ----------
    r : (..., 3) predicted target positions, ECI m
    u_m : (..., 3) measured unit line of sight, ECI
    s : (..., 3) sensor positions, ECI m
    sigma2 : (...) angular noise variance, rad^2
    """
    e1, e2 = tangent_basis(u_m)
    d = r - s
    along = np.sum(u_m * d, axis=-1)
    valid = along > 0
    safe = np.where(valid, along, 1.0)
    h = np.stack([np.sum(e1 * d, axis=-1), np.sum(e2 * d, axis=-1)], axis=-1) / safe[..., None]
    e = np.stack([e1, e2], axis=-2)  # (..., 2, 3)
    jac = np.zeros(h.shape[:-1] + (2, 6))
    jac[..., :3] = (e - h[..., :, None] * u_m[..., None, :]) / safe[..., None, None]
    shape = h.shape[:-1]
    rm = np.zeros(shape + (2, 2))
    rm[..., 0, 0] = sigma2
    rm[..., 1, 1] = sigma2
    return -h, jac, rm, valid


def radar_model(r: np.ndarray, z: np.ndarray, s: np.ndarray, m: np.ndarray, rz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Innovation (..., 3) with wrapped azimuth, Jacobian (..., 3, 6), R and validity.

    Parameters
    ----------
    r : (..., 3) predicted target positions, ECI m
    z : (..., 3) measured (range m, azimuth rad, elevation rad)
    s : (..., 3) site positions, ECI m
    m : (..., 3, 3) east/north/up rows of the site, in ECI
    rz : (..., 3, 3) measurement covariance
    """
    enu = np.einsum("...ij,...j->...i", m, r - s)
    az, el, rng = enu_to_aer(enu)
    e, n, u = enu[..., 0], enu[..., 1], enu[..., 2]
    rho2 = e * e + n * n
    rho = np.sqrt(rho2)
    valid = (rho > 1.0) & (rng > 1.0)
    rho = np.where(valid, rho, 1.0)
    rho2 = np.where(valid, rho2, 1.0)
    rng_safe = np.where(valid, rng, 1.0)
    d_enu = np.zeros(enu.shape[:-1] + (3, 3))
    d_enu[..., 0, :] = enu / rng_safe[..., None]
    d_enu[..., 1, 0] = n / rho2
    d_enu[..., 1, 1] = -e / rho2
    d_enu[..., 2, 0] = -e * u / (rng_safe**2 * rho)
    d_enu[..., 2, 1] = -n * u / (rng_safe**2 * rho)
    d_enu[..., 2, 2] = rho / rng_safe**2
    jac = np.zeros(enu.shape[:-1] + (3, 6))
    jac[..., :3] = d_enu @ m
    nu = z - np.stack([rng, az, el], axis=-1)
    nu[..., 1] = np.mod(nu[..., 1] + np.pi, 2.0 * np.pi) - np.pi
    return nu, jac, np.broadcast_to(rz, nu.shape + (3,)), valid
