"""Ground and sea radars (first model): geometric access, constant Pd, Gaussian noise.

Line-of-sight radars see a target when its elevation (geometric, no refraction) lies
within [min, max] elevation, its slant range within [min, max] range, and its
azimuth inside the radar's sector. Over-the-horizon (skywave) radars instead test
the ground range, the azimuth sector and a maximum target altitude.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import DEG, R_EARTH_MEAN_M
from tracklayer.earth.frames import ecef_to_geodetic, eci_to_ecef, enu_basis, geodetic_to_ecef, great_circle
from tracklayer.sensors import RADAR
from tracklayer.sensors.measurements import radar_aer


@dataclass(frozen=True)
class RadarParams:
    """Per-radar parameters, SI, each (R,) (sites (R, 3), ENU rows (R, 3, 3))."""

    lat_rad: np.ndarray
    lon_rad: np.ndarray
    site_ecef_m: np.ndarray
    enu: np.ndarray
    min_range_m: np.ndarray
    max_range_m: np.ndarray
    min_el_rad: np.ndarray
    max_el_rad: np.ndarray
    az_center_rad: np.ndarray
    az_half_width_rad: np.ndarray
    sigma_range_m: np.ndarray
    sigma_angle_rad: np.ndarray
    pd: np.ndarray
    revisit_s: np.ndarray
    over_the_horizon: np.ndarray
    max_target_alt_m: np.ndarray

    @classmethod
    def from_specs(cls, radars: list) -> "RadarParams":
        def col(fn) -> np.ndarray:
            return np.array([fn(r) for r in radars], dtype=np.float64)

        lat = col(lambda r: r.site.lat_deg) * DEG
        lon = col(lambda r: r.site.lon_deg) * DEG
        alt = col(lambda r: r.site.alt_m)
        return cls(
            lat_rad=lat,
            lon_rad=lon,
            site_ecef_m=geodetic_to_ecef(lat, lon, alt).reshape(-1, 3),
            enu=enu_basis(lat, lon).reshape(-1, 3, 3),
            min_range_m=col(lambda r: r.min_range_km * 1e3),
            max_range_m=col(lambda r: r.max_range_km * 1e3),
            min_el_rad=col(lambda r: r.min_elevation_deg) * DEG,
            max_el_rad=col(lambda r: r.max_elevation_deg) * DEG,
            az_center_rad=col(lambda r: r.azimuth_center_deg) * DEG,
            az_half_width_rad=col(lambda r: r.azimuth_width_deg / 2.0) * DEG,
            sigma_range_m=col(lambda r: r.range_noise_m),
            sigma_angle_rad=col(lambda r: r.angle_noise_mrad * 1e-3),
            pd=col(lambda r: r.pd),
            revisit_s=col(lambda r: r.revisit_s),
            over_the_horizon=np.array([r.over_the_horizon for r in radars], dtype=bool),
            max_target_alt_m=col(lambda r: r.max_target_altitude_km * 1e3),
        )


def in_sector(az_rad: np.ndarray, center_rad: np.ndarray, half_width_rad: np.ndarray) -> np.ndarray:
    """Azimuth within +-half_width of the centre (wrapping); a full circle always passes."""
    off = np.abs(np.mod(az_rad - center_rad + np.pi, 2.0 * np.pi) - np.pi)
    return (off <= half_width_rad) | (half_width_rad >= np.pi)


def radar_access(r_tgt: np.ndarray, theta_rad: np.ndarray, p: RadarParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Access (T, R, N) and azimuth, elevation, range (T, R, N) of every target from every radar."""
    r = r_tgt[:, None, :, :]
    site = p.site_ecef_m[None, :, None, :]
    enu = p.enu[None, :, None, :, :]
    with np.errstate(invalid="ignore"):
        az, el, rng = radar_aer(r, theta_rad[:, None, None], site, enu)
        sector = in_sector(az, p.az_center_rad[None, :, None], p.az_half_width_rad[None, :, None])
        los = (
            (el >= p.min_el_rad[None, :, None])
            & (el <= p.max_el_rad[None, :, None])
            & (rng >= p.min_range_m[None, :, None])
            & (rng <= p.max_range_m[None, :, None])
        )
        lat, lon, alt = ecef_to_geodetic(eci_to_ecef(r_tgt, theta_rad[:, None]))
        ground, _ = great_circle(p.lat_rad[None, :, None], p.lon_rad[None, :, None], lat[:, None, :], lon[:, None, :])
        ground_m = ground * R_EARTH_MEAN_M
        oth = (
            (ground_m >= p.min_range_m[None, :, None])
            & (ground_m <= p.max_range_m[None, :, None])
            & (alt[:, None, :] <= p.max_target_alt_m[None, :, None])
        )
        ok = np.where(p.over_the_horizon[None, :, None], oth, los) & sector & ~np.isnan(rng)
    return ok, az, el, rng


def observe_radar(
    access: np.ndarray,
    frames: np.ndarray,
    az: np.ndarray,
    el: np.ndarray,
    rng_m: np.ndarray,
    theta_rad: np.ndarray,
    t_s: np.ndarray,
    p: RadarParams,
    rngs: list[np.random.Generator],
    sensor_offset: int,
) -> dict[str, np.ndarray]:
    """Detections (columns) of all radars; z = (range m, azimuth rad, elevation rad)."""
    parts = []
    n_t, n_r, n_n = access.shape
    for k in range(n_r):
        g = rngs[k]
        draw = g.random((n_t, n_n))
        seen = access[:, k, :] & frames[:, k, None] & (draw < p.pd[k])
        ti, ni = np.nonzero(seen)
        noise = g.standard_normal((ti.size, 3))
        sig = np.array([p.sigma_range_m[k], p.sigma_angle_rad[k], p.sigma_angle_rad[k]])
        z = np.stack([rng_m[ti, k, ni], az[ti, k, ni], el[ti, k, ni]], axis=1) + noise * sig
        z[:, 1] = np.mod(z[:, 1], 2.0 * np.pi)
        site_eci = eci_to_ecef(p.site_ecef_m[k][None, :], -theta_rad[ti])
        parts.append(
            {
                "t_s": t_s[ti],
                "sensor_id": np.full(ti.size, k + sensor_offset, dtype=np.int32),
                "kind": np.full(ti.size, RADAR, dtype=np.int8),
                "truth_id": ni.astype(np.int32),
                "z": z,
                "R": np.broadcast_to(np.diag(sig**2), (ti.size, 3, 3)).copy(),
                "sensor_r_eci_m": site_eci.reshape(-1, 3),
            }
        )
    return {k: np.concatenate([q[k] for q in parts]) for k in parts[0]} if parts else {}
