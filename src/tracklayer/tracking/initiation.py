"""Track initiation: multi-satellite triangulation of lines of sight, and single radar
detections.

Triangulation (least squares intersection of rays): each ray i from sensor s_i along
u_i contributes information W_i = (I - u_i u_i^T) / (sigma_i^2 rho_i^2), rho_i the
range to the point. The point is p = (sum W_i)^-1 sum W_i s_i with covariance
(sum W_i)^-1, which grows as the rays become parallel (about 1/sin of the
convergence angle across the baseline), as it should.
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import OMEGA_EARTH_RAD_S


def ray_pairs(u: np.ndarray, s: np.ndarray, sigma: np.ndarray, sensor: np.ndarray) -> dict[str, np.ndarray]:
    """Closest approach of every pair of rays from different sensors.

    Returns columns i, j (ray indices), point (midpoint, (n, 3)), range_i, range_j,
    miss_sigma (miss distance over its standard deviation) and convergence (rad).
    """
    i, j = np.triu_indices(u.shape[0], k=1)
    keep = sensor[i] != sensor[j]
    i, j = i[keep], j[keep]
    b = np.sum(u[i] * u[j], axis=1)
    w0 = s[i] - s[j]
    d = np.sum(u[i] * w0, axis=1)
    e = np.sum(u[j] * w0, axis=1)
    denom = np.maximum(1.0 - b * b, 1e-12)
    a_i = (b * e - d) / denom
    a_j = (e - b * d) / denom
    p_i = s[i] + a_i[:, None] * u[i]
    p_j = s[j] + a_j[:, None] * u[j]
    miss = np.linalg.norm(p_i - p_j, axis=1)
    spread = np.sqrt((sigma[i] * np.abs(a_i)) ** 2 + (sigma[j] * np.abs(a_j)) ** 2)
    return {
        "i": i,
        "j": j,
        "point": 0.5 * (p_i + p_j),
        "range_i": a_i,
        "range_j": a_j,
        "miss_sigma": miss / np.maximum(spread, 1e-9),
        "convergence": np.arccos(np.clip(np.abs(b), 0.0, 1.0)),
    }


def intersect(u: np.ndarray, s: np.ndarray, sigma: np.ndarray, point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares intersection of rays (k, 3) near ``point``; (3,), (3, 3)."""
    rho = np.maximum(np.sum((point - s) * u, axis=1), 1.0)
    w = 1.0 / (sigma * rho) ** 2
    proj = np.eye(3)[None] - u[:, :, None] * u[:, None, :]
    info = np.sum(w[:, None, None] * proj, axis=0)
    rhs = np.sum(w[:, None, None] * proj @ s[:, :, None], axis=0)[:, 0]
    p = np.linalg.solve(info, rhs)
    cov = np.linalg.inv(info)
    return p, 0.5 * (cov + cov.T)


def triangulate(
    u: np.ndarray, s: np.ndarray, sigma: np.ndarray, sensor: np.ndarray, gate_sigma: float, min_convergence_rad: float
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Greedy multi-sensor triangulation of simultaneous lines of sight.

    Pairs of rays from different sensors that meet within ``gate_sigma`` standard
    deviations, in front of both sensors and with at least ``min_convergence_rad``
    between them, are taken best first; each further ray that passes within the gate
    of a new point joins it; every ray is used once.

    Returns
    -------
    points (K, 3), covariances (K, 3, 3), and for each point the indices of its rays.
    """
    if u.shape[0] < 2:
        return np.zeros((0, 3)), np.zeros((0, 3, 3)), []
    pairs = ray_pairs(u, s, sigma, sensor)
    ok = (
        (pairs["miss_sigma"] <= gate_sigma)
        & (pairs["convergence"] >= min_convergence_rad)
        & (pairs["range_i"] > 0)
        & (pairs["range_j"] > 0)
    )
    order = np.nonzero(ok)[0][np.argsort(pairs["miss_sigma"][ok], kind="stable")]
    used = np.zeros(u.shape[0], dtype=bool)
    points, covs, members = [], [], []
    for k in order:
        i, j = pairs["i"][k], pairs["j"][k]
        if used[i] or used[j]:
            continue
        p = pairs["point"][k]
        rays = [i, j]
        free = np.nonzero(~used)[0]
        free = free[(free != i) & (free != j) & ~np.isin(sensor[free], sensor[[i, j]])]
        if free.size:
            d = p - s[free]
            rho = np.sum(d * u[free], axis=1)
            perp = np.linalg.norm(d - rho[:, None] * u[free], axis=1)
            near = free[(rho > 0) & (perp <= gate_sigma * sigma[free] * np.abs(rho))]
            _, first = np.unique(sensor[near], return_index=True)
            rays += list(near[first])
        idx = np.array(rays)
        p, cov = intersect(u[idx], s[idx], sigma[idx], p)
        used[idx] = True
        points.append(p)
        covs.append(cov)
        members.append(idx)
    if not points:
        return np.zeros((0, 3)), np.zeros((0, 3, 3)), []
    return np.array(points), np.array(covs), members


def radar_position(z: np.ndarray, s: np.ndarray, m: np.ndarray, rz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ECI positions (n, 3) and covariances (n, 3, 3) of radar measurements.

    z: (range, az, el); s: site ECI; m: east/north/up rows in ECI; rz: (n, 3, 3).
    """
    rng, az, el = z[:, 0], z[:, 1], z[:, 2]
    ce, se, ca, sa = np.cos(el), np.sin(el), np.cos(az), np.sin(az)
    enu = np.stack([rng * ce * sa, rng * ce * ca, rng * se], axis=1)
    jac = np.zeros((z.shape[0], 3, 3))
    jac[:, :, 0] = np.stack([ce * sa, ce * ca, se], axis=1)
    jac[:, :, 1] = np.stack([rng * ce * ca, -rng * ce * sa, np.zeros_like(rng)], axis=1)
    jac[:, :, 2] = np.stack([-rng * se * sa, -rng * se * ca, rng * ce], axis=1)
    mt = np.swapaxes(m, 1, 2)
    pos = s + np.einsum("nij,nj->ni", mt, enu)
    g = mt @ jac
    cov = g @ rz @ np.swapaxes(g, 1, 2)
    return pos, 0.5 * (cov + np.swapaxes(cov, 1, 2))


def initial_states(pos: np.ndarray, pos_cov: np.ndarray, velocity_sigma_m_s: float, earth_fixed: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """States (n, 6) and covariances (n, 6, 6) from positions: velocity prior = the
    Earth-fixed velocity omega x r (ECI positions) or zero (``earth_fixed=False``, for
    Cartesian scenarios without an Earth), with ``velocity_sigma_m_s`` per axis."""
    n = pos.shape[0]
    vel = np.cross(np.array([0.0, 0.0, OMEGA_EARTH_RAD_S]), pos) if earth_fixed else np.zeros_like(pos)
    x = np.concatenate([pos, vel], axis=1)
    p = np.zeros((n, 6, 6))
    p[:, :3, :3] = pos_cov
    p[:, 3:, 3:] = np.eye(3)[None] * velocity_sigma_m_s**2
    return x, p
