"""Ground and sea radars: access, radar range equation, Swerling detection, noise.

Access (line-of-sight radars): the target's elevation, corrected for refraction with
the effective-Earth-radius model (radius k R, k = 4/3 for the standard atmosphere;
Skolnik 2001, Sec. 8.2; Doerry 2013, Sandia SAND2013-9424), lies within the
elevation limits; slant range within the range limits; azimuth inside the sector.
Over-the-horizon (skywave) radars instead test the ground range, the azimuth sector
and a maximum target altitude. Sites are fixed, or ships moving at constant course
and speed along a great circle.

Refraction bends rays, so a radar sees further than the geometric horizon: with
straight rays over a sphere of radius k R the elevation of a target at central angle
theta is el_k = atan2((kR + h_t) cos(theta/k) - (kR + h_r), (kR + h_t) sin(theta/k))
(arc lengths kept: k R theta/k = R theta). The access test uses the geometric
elevation plus el_k - el_1 (exact on a sphere, and on the ellipsoid when k = 1);
measured elevations are geometric (refraction-corrected, as a radar reports them).

Detection: the radar range equation scaled from a reference point,
SNR = SNR_ref (sigma / sigma_ref) (R_ref / R)^4, and the Swerling-case Pd of a
square-law detector at the radar's Pfa (`tracklayer.sensors.detection`; Swerling 1
by default, the usual model for complex targets). Measurement noise (range,
azimuth, elevation, range rate) scales as 1/sqrt(SNR) from its value at the
reference SNR (the thermal-noise accuracy sigma = resolution / (k sqrt(2 SNR)),
Skolnik 2001 Sec. 6.3), with a floor for bias and calibration residuals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import DEG, R_EARTH_MEAN_M, WGS84_A_M, WGS84_E2
from tracklayer.earth.frames import ecef_to_eci_state, ecef_to_geodetic, eci_to_ecef, eci_to_ecef_state, enu_basis, enu_to_aer, geodetic_to_ecef, great_circle
from tracklayer.sensors import RADAR
from tracklayer.sensors.detection import draw_square_law_detections, pd_swerling
from tracklayer.sensors.measurements import radar_aer

KNOT_M_S = 1852.0 / 3600.0
"""One knot in m/s."""


@dataclass(frozen=True)
class RadarParams:
    """Per-radar parameters, SI, each (R,). ``pd`` is NaN where the Swerling model applies."""

    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_m: np.ndarray
    course_rad: np.ndarray
    speed_m_s: np.ndarray
    min_range_m: np.ndarray
    max_range_m: np.ndarray
    min_el_rad: np.ndarray
    max_el_rad: np.ndarray
    refraction_k: np.ndarray
    az_center_rad: np.ndarray
    az_half_width_rad: np.ndarray
    reference_range_m: np.ndarray
    reference_rcs_m2: np.ndarray
    reference_snr: np.ndarray
    swerling: np.ndarray
    pfa: np.ndarray
    sigma_range_m: np.ndarray
    sigma_angle_rad: np.ndarray
    sigma_rate_m_s: np.ndarray
    noise_floor: np.ndarray
    pd: np.ndarray
    revisit_s: np.ndarray
    over_the_horizon: np.ndarray
    max_target_alt_m: np.ndarray

    @classmethod
    def from_specs(cls, radars: list) -> RadarParams:
        """Parameters of the scenario's radars (schema objects), in order."""

        def col(fn, dtype=np.float64) -> np.ndarray:
            return np.array([fn(r) for r in radars], dtype=dtype)

        return cls(
            lat_rad=col(lambda r: r.site.lat_deg) * DEG,
            lon_rad=col(lambda r: r.site.lon_deg) * DEG,
            alt_m=col(lambda r: r.site.alt_m),
            course_rad=col(lambda r: r.motion.course_deg if r.motion else 0.0) * DEG,
            speed_m_s=col(lambda r: r.motion.speed_kn * KNOT_M_S if r.motion else 0.0),
            min_range_m=col(lambda r: r.min_range_km * 1e3),
            max_range_m=col(lambda r: r.max_range_km * 1e3),
            min_el_rad=col(lambda r: r.min_elevation_deg) * DEG,
            max_el_rad=col(lambda r: r.max_elevation_deg) * DEG,
            refraction_k=col(lambda r: r.refraction_k),
            az_center_rad=col(lambda r: r.azimuth_center_deg) * DEG,
            az_half_width_rad=col(lambda r: r.azimuth_width_deg / 2.0) * DEG,
            reference_range_m=col(lambda r: (r.reference_range_km or r.max_range_km) * 1e3),
            reference_rcs_m2=col(lambda r: r.reference_rcs_m2),
            reference_snr=col(lambda r: 10.0 ** (r.reference_snr_db / 10.0)),
            swerling=col(lambda r: r.swerling, np.int64),
            pfa=col(lambda r: r.pfa),
            sigma_range_m=col(lambda r: r.range_noise_m),
            sigma_angle_rad=col(lambda r: r.angle_noise_mrad * 1e-3),
            sigma_rate_m_s=col(lambda r: r.range_rate_noise_m_s),
            noise_floor=col(lambda r: r.noise_floor_fraction),
            pd=col(lambda r: np.nan if r.pd is None else r.pd),
            revisit_s=col(lambda r: r.revisit_s),
            over_the_horizon=col(lambda r: r.over_the_horizon, bool),
            max_target_alt_m=col(lambda r: r.max_target_altitude_km * 1e3),
        )

    def site_latlon(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Geodetic latitude and longitude (T, R), rad, of every site at times ``t_s`` (T,).

        A ship sails a great circle from its site at t = 0 at constant speed; its
        course is the initial azimuth. The sphere's radius is the ellipsoid's radius
        of curvature along that course at the start (Euler: 1/R = cos^2 c / M +
        sin^2 c / N), so the speed is right to ~1e-5 over a scenario.
        """
        t = np.asarray(t_s, dtype=np.float64)[:, None]
        d = self.speed_m_s[None, :] * t / self._course_radius_m()[None, :]
        lat1, c = self.lat_rad[None, :], self.course_rad[None, :]
        lat2 = np.arcsin(np.clip(np.sin(lat1) * np.cos(d) + np.cos(lat1) * np.sin(d) * np.cos(c), -1.0, 1.0))
        dlon = np.arctan2(np.sin(c) * np.sin(d) * np.cos(lat1), np.cos(d) - np.sin(lat1) * np.sin(lat2))
        return lat2, self.lon_rad[None, :] + dlon

    def _course_radius_m(self) -> np.ndarray:
        sin2 = np.sin(self.lat_rad) ** 2
        n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sin2)
        m = WGS84_A_M * (1.0 - WGS84_E2) / (1.0 - WGS84_E2 * sin2) ** 1.5
        return 1.0 / (np.cos(self.course_rad) ** 2 / m + np.sin(self.course_rad) ** 2 / n)

    def sites(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Site positions (T, R, 3) m, velocities (T, R, 3) m/s and ENU rows (T, R, 3, 3), ECEF.

        Velocities are central differences over 1 s (exact to < 1e-9 m/s for ships).
        """
        t = np.asarray(t_s, dtype=np.float64)
        lat, lon = self.site_latlon(t)
        pos = geodetic_to_ecef(lat, lon, self.alt_m[None, :])
        ahead = geodetic_to_ecef(*self.site_latlon(t + 0.5), self.alt_m[None, :])
        behind = geodetic_to_ecef(*self.site_latlon(t - 0.5), self.alt_m[None, :])
        return pos, ahead - behind, enu_basis(lat, lon)


def in_sector(az_rad: np.ndarray, center_rad: np.ndarray, half_width_rad: np.ndarray) -> np.ndarray:
    """Azimuth within +-half_width of the centre (wrapping); a full circle always passes."""
    off = np.abs(np.mod(az_rad - center_rad + np.pi, 2.0 * np.pi) - np.pi)
    return (off <= half_width_rad) | (half_width_rad >= np.pi)


def refraction_correction_rad(central_rad: np.ndarray, h_site_m: np.ndarray, h_tgt_m: np.ndarray, radius_m: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Elevation of a target over a sphere of radius k R minus that over radius R (straight rays).

    Parameters
    ----------
    central_rad : (...) central angle between site and target
    h_site_m, h_tgt_m : (...) heights above the sphere, m
    radius_m : (...) Earth radius R at the site, m
    k : (...) effective-Earth-radius factor
    """

    def elevation(kk):
        big = kk * radius_m
        th = central_rad / kk
        return np.arctan2((big + h_tgt_m) * np.cos(th) - (big + h_site_m), (big + h_tgt_m) * np.sin(th))

    return np.where(k == 1.0, 0.0, elevation(k) - elevation(1.0))


def radar_access(r_tgt: np.ndarray, theta_rad: np.ndarray, p: RadarParams, t_s: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Access (T, R, N) and geometric azimuth, elevation, range (T, R, N) of every target.

    Parameters
    ----------
    r_tgt : (T, N, 3) target positions, ECI m (NaN rows: absent)
    theta_rad : (T,) Earth rotation angle
    t_s : (T,) times since the epoch, for moving sites (default: all sites at t = 0)
    """
    n_t = r_tgt.shape[0]
    site, _, enu = p.sites(np.zeros(n_t) if t_s is None else t_s)
    r_ecef = eci_to_ecef(r_tgt, theta_rad[:, None])
    with np.errstate(invalid="ignore"):
        az, el, rng = radar_aer(r_tgt[:, None], theta_rad[:, None, None], site[:, :, None], enu[:, :, None])
        sector = in_sector(az, p.az_center_rad[None, :, None], p.az_half_width_rad[None, :, None])
        lat, lon, alt = ecef_to_geodetic(r_ecef)
        site_lat, site_lon = p.site_latlon(np.zeros(n_t) if t_s is None else t_s)
        central, _ = great_circle(site_lat[:, :, None], site_lon[:, :, None], lat[:, None, :], lon[:, None, :])
        radius = np.linalg.norm(site, axis=-1)[:, :, None] - p.alt_m[None, :, None]
        el_eff = el + refraction_correction_rad(central, p.alt_m[None, :, None], alt[:, None, :], radius, p.refraction_k[None, :, None])
        los = (
            (el_eff >= p.min_el_rad[None, :, None])
            & (el_eff <= p.max_el_rad[None, :, None])
            & (rng >= p.min_range_m[None, :, None])
            & (rng <= p.max_range_m[None, :, None])
        )
        ground_m = central * R_EARTH_MEAN_M
        oth = (
            (ground_m >= p.min_range_m[None, :, None])
            & (ground_m <= p.max_range_m[None, :, None])
            & (alt[:, None, :] <= p.max_target_alt_m[None, :, None])
        )
        ok = np.where(p.over_the_horizon[None, :, None], oth, los) & sector & ~np.isnan(rng)
    return ok, az, el, rng


def radar_snr(range_m: np.ndarray, rcs_m2: np.ndarray, reference_snr: np.ndarray, reference_rcs_m2: np.ndarray, reference_range_m: np.ndarray) -> np.ndarray:
    """Single-look power SNR (linear): SNR_ref (sigma / sigma_ref) (R_ref / R)^4 (arrays broadcast)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return reference_snr * (rcs_m2 / reference_rcs_m2) * (reference_range_m / range_m) ** 4


def radar_pd(snr: np.ndarray, p: RadarParams) -> np.ndarray:
    """Single-look Pd (T, R, N): the Swerling model, or the radar's constant ``pd``."""
    model = pd_swerling(np.nan_to_num(snr), p.pfa[None, :, None], p.swerling[None, :, None])
    return np.where(np.isnan(p.pd)[None, :, None], model, p.pd[None, :, None])


def noise_sigma(sigma_ref: np.ndarray, snr: np.ndarray, reference_snr: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """sigma_ref sqrt(SNR_ref / SNR + f^2): thermal noise scaling with 1/sqrt(SNR), floored at f sigma_ref."""
    return sigma_ref * np.sqrt(reference_snr / snr + floor**2)


def observe_radar(
    access: np.ndarray,
    frames: np.ndarray,
    r_tgt: np.ndarray,
    v_tgt: np.ndarray,
    rcs_m2: np.ndarray,
    theta_rad: np.ndarray,
    t_s: np.ndarray,
    p: RadarParams,
    rngs: list[np.random.Generator],
    sensor_offset: int,
) -> dict[str, np.ndarray]:
    """Detections (columns) of all radars.

    ``z`` = (range m, azimuth rad, elevation rad), geometric, in the site's ENU
    frame at the detection time; ``range_rate_m_s`` is the Doppler range rate
    relative to the (possibly moving) site; ``snr`` the measured power SNR.

    Parameters
    ----------
    access : (T, R, N) radars able to see the targets (`radar_access`)
    frames : (T, R) look times
    r_tgt, v_tgt : (T, N, 3) ECI position m and velocity m/s of the targets
    rcs_m2 : (T, N) radar cross-section
    theta_rad : (T,) Earth rotation angle
    """
    parts = []
    n_t, n_r, _ = access.shape
    site, v_site, enu = p.sites(t_s)
    r_ecef, v_ecef = eci_to_ecef_state(r_tgt, v_tgt, theta_rad[:, None])
    for k in range(n_r):
        g = rngs[k]
        ti, ni = np.nonzero(access[:, k, :] & frames[:, k, None])
        rel = r_ecef[ti, ni] - site[ti, k]
        enu_k = np.einsum("nij,nj->ni", enu[ti, k], rel)
        az, el, rng = enu_to_aer(enu_k)
        rate = np.sum(rel * (v_ecef[ti, ni] - v_site[ti, k]), axis=1) / rng
        snr = radar_snr(rng, rcs_m2[ti, ni], p.reference_snr[k], p.reference_rcs_m2[k], p.reference_range_m[k])
        det, measured = draw_square_law_detections(
            snr, np.full(ti.size, p.pfa[k]), np.full(ti.size, p.swerling[k]), g.standard_normal((ti.size, 2)), g.standard_exponential(ti.size)
        )
        if not np.isnan(p.pd[k]):
            det = g.random(ti.size) < p.pd[k]
        sel = np.nonzero(det)[0]
        sig = np.stack([noise_sigma(s_ref, snr[sel], p.reference_snr[k], p.noise_floor[k])
                        for s_ref in (p.sigma_range_m[k], p.sigma_angle_rad[k], p.sigma_angle_rad[k], p.sigma_rate_m_s[k])], axis=1)
        noise = g.standard_normal((sel.size, 4)) * sig
        z = np.stack([rng[sel], az[sel], el[sel]], axis=1) + noise[:, :3]
        z[:, 1] = np.mod(z[:, 1], 2.0 * np.pi)
        cov = np.zeros((sel.size, 3, 3))
        cov[:, [0, 1, 2], [0, 1, 2]] = sig[:, :3] ** 2
        site_eci, site_v_eci = ecef_to_eci_state(site[ti[sel], k], v_site[ti[sel], k], theta_rad[ti[sel]])
        parts.append(
            {
                "t_s": t_s[ti[sel]],
                "sensor_id": np.full(sel.size, k + sensor_offset, dtype=np.int32),
                "kind": np.full(sel.size, RADAR, dtype=np.int8),
                "truth_id": ni[sel].astype(np.int32),
                "z": z,
                "R": cov,
                "sensor_r_eci_m": site_eci.reshape(-1, 3),
                "sensor_v_eci_m_s": site_v_eci.reshape(-1, 3),
                "snr": measured[sel],
                "range_rate_m_s": rate[sel] + noise[:, 3],
                "range_rate_sigma_m_s": sig[:, 3],
            }
        )
    return {key: np.concatenate([q[key] for q in parts]) for key in parts[0]} if parts else {}


def _rz(theta: np.ndarray) -> np.ndarray:
    """Passive rotation ECI -> ECEF about z, (n, 3, 3)."""
    c, s = np.cos(theta), np.sin(theta)
    m = np.zeros(theta.shape + (3, 3))
    m[..., 0, 0], m[..., 0, 1] = c, s
    m[..., 1, 0], m[..., 1, 1] = -s, c
    m[..., 2, 2] = 1.0
    return m


def radar_enu_eci(radars: RadarParams, gmst_rad, first_id: int):
    """The function a tracker needs for radar detections: (sensor_id (n,), t_s (n,)) ->
    east/north/up rows of each detection's radar at its time (ships move), in ECI
    (n, 3, 3); ``gmst_rad(t_s)`` gives the Earth's rotation angle, ``first_id`` is the
    sensor_id of the first radar."""

    def enu_eci_of(sensor_id: np.ndarray, t_s: np.ndarray) -> np.ndarray:
        times, row = np.unique(t_s, return_inverse=True)
        _, _, enu = radars.sites(times)
        return enu[row, sensor_id - first_id] @ _rz(gmst_rad(t_s))

    return enu_eci_of
