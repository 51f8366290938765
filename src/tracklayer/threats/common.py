"""Small spherical-Earth geometry shared by the threat models."""

from __future__ import annotations

import numpy as np


def destination(lat_rad: float, lon_rad: float, az_rad: float, angle_rad: float) -> tuple[float, float]:
    """Point reached from (lat, lon) along initial azimuth ``az`` over central angle ``angle`` (sphere)."""
    lat2 = np.arcsin(np.sin(lat_rad) * np.cos(angle_rad) + np.cos(lat_rad) * np.sin(angle_rad) * np.cos(az_rad))
    lon2 = lon_rad + np.arctan2(
        np.sin(az_rad) * np.sin(angle_rad) * np.cos(lat_rad),
        np.cos(angle_rad) - np.sin(lat_rad) * np.sin(lat2),
    )
    return float(lat2), float(lon2)
