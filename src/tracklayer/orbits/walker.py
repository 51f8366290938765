"""Walker constellations (Walker 1984, J. British Interplanetary Society 37).

A Walker pattern i: T/P/F places T satellites in P equally spaced planes at
inclination i; the ascending nodes span 360 deg (delta) or 180 deg (star); within a
plane satellites are spaced 360/S deg (S = T/P); satellites in adjacent planes are
offset in mean anomaly by F * 360/T deg.
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import TWO_PI


def walker_elements(
    planes: int,
    sats_per_plane: int,
    phasing: int,
    inc_rad: float,
    a_m: float,
    ecc: float = 0.0,
    raan0_rad: float = 0.0,
    pattern: str = "delta",
) -> dict[str, np.ndarray]:
    """Mean elements of a Walker constellation, one row per satellite (plane-major order)."""
    total = planes * sats_per_plane
    plane = np.repeat(np.arange(planes), sats_per_plane)
    slot = np.tile(np.arange(sats_per_plane), planes)
    spread = TWO_PI if pattern == "delta" else np.pi
    raan = np.mod(raan0_rad + plane * spread / planes, TWO_PI)
    mean_anom = np.mod(slot * TWO_PI / sats_per_plane + plane * phasing * TWO_PI / total, TWO_PI)
    return {
        "a_m": np.full(total, a_m),
        "ecc": np.full(total, ecc),
        "inc_rad": np.full(total, inc_rad),
        "raan_rad": raan,
        "argp_rad": np.zeros(total),
        "mean_anomaly_rad": mean_anom,
        "plane": plane,
        "slot": slot,
    }
