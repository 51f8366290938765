"""Ballistic missile: approximate boost, then a drag-free Keplerian coast to the aim point.

The coast is the minimum-energy ellipse from the burnout point to the aim point on
the rotating Earth. For burnout radius r1, impact radius r2 and range angle Psi,
the free-flight range equation (Bate, Mueller & White 1971, Sec. 6.2) gives the
burnout speed parameter nu = r1 v^2 / mu as a function of the flight-path angle
gamma:

    nu(gamma) = (1 - cos Psi) / (cos^2 gamma (r1/r2 - cos Psi) + cos gamma sin gamma sin Psi)

and the minimum-energy trajectory is the gamma that minimises nu (for r1 = r2 it
reduces to sin(Psi/2) = nu/(2 - nu), gamma = (pi - Psi)/4, DOMAIN.md Sec. 2). Because
the aim point moves with the Earth during the flight, Psi and the time of flight
are iterated to a fixed point (converges in a few iterations).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from tracklayer.earth.constants import MU_EARTH_M3_S2
from tracklayer.earth.frames import ecef_to_eci
from tracklayer.earth.time import TimeGrid
from tracklayer.orbits.kepler import kepler_propagate, rv_to_elements
from tracklayer.threats import BOOST, COAST, TERMINAL
from tracklayer.threats.common import Flight, aim_point_eci, boost_arc, burnout_point_ecef, on_grid

TERMINAL_ALTITUDE_M = 100e3
"""Below this altitude on the descending branch the phase is labelled terminal."""


def speed_parameter(gamma_rad: np.ndarray, psi_rad: float, r1_m: float, r2_m: float) -> np.ndarray:
    """Burnout nu = r1 v^2/mu that reaches radius r2 after range angle psi at flight-path angle gamma."""
    c, s = np.cos(gamma_rad), np.sin(gamma_rad)
    return (1.0 - np.cos(psi_rad)) / (c * c * (r1_m / r2_m - np.cos(psi_rad)) + c * s * np.sin(psi_rad))


def minimum_energy_gamma(psi_rad: float, r1_m: float, r2_m: float) -> tuple[float, float]:
    """Flight-path angle (rad) and nu of the minimum-energy trajectory."""

    def objective(g: float) -> float:
        nu = float(speed_parameter(np.array(g), psi_rad, r1_m, r2_m))
        return nu if nu > 0 else np.inf

    res = minimize_scalar(objective, bounds=(1e-4, np.pi / 2 - 1e-4), method="bounded", options={"xatol": 1e-12})
    return float(res.x), float(res.fun)


def time_of_flight_s(r_m: np.ndarray, v_m_s: np.ndarray, psi_rad: float) -> float:
    """Kepler time (s) from state (r, v) until the true anomaly has advanced by ``psi_rad``."""
    el = rv_to_elements(r_m, v_m_s)
    e = el["ecc"]
    nu1 = el["true_anomaly_rad"]
    nu2 = nu1 + psi_rad

    def mean_anomaly(nu: float) -> float:
        big_e = 2.0 * np.arctan2(np.sqrt(1.0 - e) * np.sin(nu / 2.0), np.sqrt(1.0 + e) * np.cos(nu / 2.0))
        return float(big_e - e * np.sin(big_e))

    dm = np.mod(mean_anomaly(nu2) - mean_anomaly(nu1), 2.0 * np.pi)
    n = np.sqrt(MU_EARTH_M3_S2 / el["a_m"] ** 3)
    return float(dm / n)


def burnout_state(
    r_bo_eci: np.ndarray, aim_eci: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """Minimum-energy burnout velocity (3,) from ``r_bo_eci`` to ``aim_eci``; also gamma and Psi."""
    r1 = float(np.linalg.norm(r_bo_eci))
    r2 = float(np.linalg.norm(aim_eci))
    psi = float(np.arccos(np.clip(np.dot(r_bo_eci, aim_eci) / (r1 * r2), -1.0, 1.0)))
    gamma, nu = minimum_energy_gamma(psi, r1, r2)
    speed = np.sqrt(nu * MU_EARTH_M3_S2 / r1)
    up = r_bo_eci / r1
    normal = np.cross(r_bo_eci, aim_eci)
    normal /= np.linalg.norm(normal)
    forward = np.cross(normal, up)
    return speed * (np.sin(gamma) * up + np.cos(gamma) * forward), gamma, psi


def fly_ballistic(
    grid: TimeGrid,
    launch_deg: tuple[float, float],
    aim_deg: tuple[float, float],
    t_launch_s: float,
    burn_time_s: float,
    burnout_altitude_m: float,
    burnout_downrange_m: float,
) -> Flight:
    """Truth of one ballistic missile on the scenario grid (times in [launch, impact])."""
    t_bo = t_launch_s + burn_time_s
    r_bo_ecef = burnout_point_ecef(launch_deg, aim_deg, burnout_downrange_m, burnout_altitude_m)
    r_bo = ecef_to_eci(r_bo_ecef, grid.gmst_rad(np.array([t_bo]))[0])
    tof = 600.0
    for _ in range(30):
        aim = aim_point_eci(aim_deg, np.array([t_bo + tof]), grid)[0]
        v_bo, _, psi = burnout_state(r_bo, aim)
        new_tof = time_of_flight_s(r_bo, v_bo, psi)
        converged = abs(new_tof - tof) < 1e-6
        tof = new_tof
        if converged:
            break
    t_impact = t_bo + tof

    t = on_grid(grid, t_launch_s, t_impact)
    r = np.empty((t.size, 3))
    v = np.empty((t.size, 3))
    boost = t <= t_bo
    r[boost], v[boost] = boost_arc(grid, launch_deg, 0.0, t_launch_s, t_bo, r_bo, v_bo, t[boost])
    coast_r, coast_v = kepler_propagate(r_bo[None, :], v_bo[None, :], (t[~boost] - t_bo)[:, None])
    r[~boost], v[~boost] = coast_r[:, 0], coast_v[:, 0]
    phase = np.full(t.size, COAST, dtype=np.int8)
    phase[boost] = BOOST
    alt = np.linalg.norm(r, axis=1) - np.linalg.norm(aim_point_eci(aim_deg, t[:1], grid)[0])
    descending = np.sum(r * v, axis=1) < 0
    phase[(~boost) & descending & (alt < TERMINAL_ALTITUDE_M)] = TERMINAL
    r_imp, _ = kepler_propagate(r_bo[None, :], v_bo[None, :], np.array([[tof]]))
    return Flight(t, r, v, phase, t_impact, r_imp[0, 0])

