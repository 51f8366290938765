"""Pieces shared by the threat models: launch geometry, boost arc, grid sampling."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import DEG, R_EARTH_MEAN_M
from tracklayer.earth.frames import ecef_to_eci, ecef_to_eci_state, geodetic_to_ecef, great_circle
from tracklayer.earth.time import TimeGrid


@dataclass(frozen=True)
class Flight:
    """One threat's truth, sampled on its own times.

    Attributes
    ----------
    t_s : (K,) seconds since the scenario epoch
    r_eci_m, v_eci_m_s : (K, 3) ECI position and velocity
    phase : (K,) int8 index into `tracklayer.threats.PHASES`
    impact_t_s : time the trajectory reaches the ground (s since epoch)
    impact_r_eci_m : (3,) ECI position at impact
    """

    t_s: np.ndarray
    r_eci_m: np.ndarray
    v_eci_m_s: np.ndarray
    phase: np.ndarray
    impact_t_s: float
    impact_r_eci_m: np.ndarray


def destination(lat_rad: float, lon_rad: float, az_rad: float, angle_rad: float) -> tuple[float, float]:
    """Point reached from (lat, lon) along initial azimuth ``az`` over central angle ``angle`` (sphere)."""
    lat2 = np.arcsin(np.sin(lat_rad) * np.cos(angle_rad) + np.cos(lat_rad) * np.sin(angle_rad) * np.cos(az_rad))
    lon2 = lon_rad + np.arctan2(
        np.sin(az_rad) * np.sin(angle_rad) * np.cos(lat_rad),
        np.cos(angle_rad) - np.sin(lat_rad) * np.sin(lat2),
    )
    return float(lat2), float(lon2)


def ground_range_m(launch_deg: tuple[float, float], aim_deg: tuple[float, float]) -> tuple[float, float]:
    """Great-circle ground range (m, mean-radius sphere) and initial azimuth (rad)."""
    angle, az = great_circle(launch_deg[0] * DEG, launch_deg[1] * DEG, aim_deg[0] * DEG, aim_deg[1] * DEG)
    return float(angle) * R_EARTH_MEAN_M, float(az)


def burnout_point_ecef(
    launch_deg: tuple[float, float], aim_deg: tuple[float, float], downrange_m: float, alt_m: float
) -> np.ndarray:
    """ECEF point ``downrange_m`` along the launch-to-aim great circle at height ``alt_m``."""
    _, az = ground_range_m(launch_deg, aim_deg)
    lat, lon = destination(launch_deg[0] * DEG, launch_deg[1] * DEG, az, downrange_m / R_EARTH_MEAN_M)
    return geodetic_to_ecef(np.array(lat), np.array(lon), np.array(alt_m))


def launch_state_eci(launch_deg: tuple[float, float], alt_m: float, t_s: float, grid: TimeGrid) -> tuple[np.ndarray, np.ndarray]:
    """ECI position and velocity of a launch site (at rest on the rotating Earth)."""
    r_ecef = geodetic_to_ecef(np.array(launch_deg[0] * DEG), np.array(launch_deg[1] * DEG), np.array(alt_m))
    theta = grid.gmst_rad(np.array([t_s]))[0]
    return ecef_to_eci_state(r_ecef, np.zeros(3), theta)


def hermite(
    s: np.ndarray, h: float | np.ndarray, r0: np.ndarray, v0: np.ndarray, r1: np.ndarray, v1: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cubic Hermite position and velocity between two states.

    Parameters
    ----------
    s : (K,) fraction of the interval, 0 at state 0 and 1 at state 1
    h : interval length, s (scalar or (K,))
    r0, v0, r1, v1 : (3,) or (K, 3) end-point positions (m) and velocities (m/s)
    """
    s = np.asarray(s, dtype=np.float64)[:, None]
    h = np.asarray(h, dtype=np.float64)
    if h.ndim:
        h = h[:, None]
    s2, s3 = s * s, s * s * s
    pos = (2 * s3 - 3 * s2 + 1) * r0 + (s3 - 2 * s2 + s) * h * v0 + (-2 * s3 + 3 * s2) * r1 + (s3 - s2) * h * v1
    vel = (6 * s2 - 6 * s) * (r0 - r1) / h + (3 * s2 - 4 * s + 1) * v0 + (3 * s2 - 2 * s) * v1
    return pos, vel


def boost_arc(
    grid: TimeGrid,
    launch_deg: tuple[float, float],
    launch_alt_m: float,
    t_launch_s: float,
    t_burnout_s: float,
    r_bo_eci: np.ndarray,
    v_bo_eci: np.ndarray,
    t: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Approximate boost: a cubic Hermite arc from the pad to the burnout state.

    The vehicle leaves the pad vertically (100 m/s off the rail, plus the pad's
    rotation velocity) and meets the burnout state with matching position and
    velocity, so the boost joins the coast or glide without a jump. It is a
    geometric stand-in for a gravity turn: position and timing are realistic,
    the acceleration history is not.
    """
    r0, v0 = launch_state_eci(launch_deg, launch_alt_m, t_launch_s, grid)
    v0 = v0 + 100.0 * r0 / np.linalg.norm(r0)
    h = t_burnout_s - t_launch_s
    return hermite((np.asarray(t, dtype=np.float64) - t_launch_s) / h, h, r0, v0, r_bo_eci, v_bo_eci)


def aim_point_eci(aim_deg: tuple[float, float], t_s: np.ndarray, grid: TimeGrid) -> np.ndarray:
    """ECI position (K, 3) of a ground aim point at times ``t_s`` (K,)."""
    r_ecef = geodetic_to_ecef(np.array(aim_deg[0] * DEG), np.array(aim_deg[1] * DEG), np.array(0.0))
    return ecef_to_eci(r_ecef[None, :], grid.gmst_rad(np.asarray(t_s, dtype=np.float64)))


def on_grid(grid: TimeGrid, t_launch_s: float, t_end_s: float) -> np.ndarray:
    """Scenario grid times inside [t_launch, t_end]."""
    t = grid.t_s
    return t[(t >= t_launch_s) & (t <= t_end_s)]

