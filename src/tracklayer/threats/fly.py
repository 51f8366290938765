"""Fly every threat of a scenario onto the common time grid (the truth)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import DEG, R_EARTH_MEAN_M
from tracklayer.earth.frames import ecef_to_geodetic, eci_to_ecef, eci_to_ecef_state, great_circle
from tracklayer.earth.time import TimeGrid
from tracklayer.threats.ballistic import fly_ballistic
from tracklayer.threats.glide import GlideMission, GlideVehicle, fly_glide
from tracklayer.threats.signatures import Signature, radiant_intensity_w_sr, rcs_m2


@dataclass(frozen=True)
class Truth:
    """Truth of all threats on the scenario grid; NaN / phase -1 where a threat is not flying.

    Attributes
    ----------
    name, kind : (N,) str
    r_eci_m, v_eci_m_s : (T, N, 3)
    phase : (T, N) int8, index into `tracklayer.threats.PHASES`, -1 when not flying
    intensity_w_sr, rcs_m2 : (T, N)
    launch_t_s, impact_t_s : (N,) seconds since epoch
    aim_lat_rad, aim_lon_rad, miss_m : (N,) aim point and distance of the impact from it
    """

    name: np.ndarray
    kind: np.ndarray
    r_eci_m: np.ndarray
    v_eci_m_s: np.ndarray
    phase: np.ndarray
    intensity_w_sr: np.ndarray
    rcs_m2: np.ndarray
    launch_t_s: np.ndarray
    impact_t_s: np.ndarray
    aim_lat_rad: np.ndarray
    aim_lon_rad: np.ndarray
    miss_m: np.ndarray

    def __len__(self) -> int:
        return self.name.shape[0]

    @property
    def flying(self) -> np.ndarray:
        """(T, N) bool: the threat exists (launched, not yet impacted)."""
        return self.phase >= 0


def _signature(spec) -> Signature:
    body = spec.vehicle_value("body_at_6kms_kw_sr") if spec.kind == "hgv" else spec.body_at_6kms_kw_sr
    return Signature(spec.plume_kw_sr * 1e3, spec.coast_kw_sr * 1e3, body * 1e3)


def fly_threats(threats: list, grid: TimeGrid) -> Truth:
    """Fly the scenario's threats (schema objects) and sample them on ``grid``."""
    flights: dict[int, object] = {}
    glide_idx = [i for i, t in enumerate(threats) if t.kind == "hgv"]
    missions = []
    for i in glide_idx:
        t = threats[i]
        vehicle = GlideVehicle(
            t.vehicle_value("mass_kg"), t.vehicle_value("beta_kg_m2"), t.vehicle_value("lift_to_drag"),
            dive_angle_rad=t.dive_angle_deg * DEG,
        )
        missions.append(
            GlideMission(
                (t.launch.lat_deg, t.launch.lon_deg), (t.aim.lat_deg, t.aim.lon_deg), t.launch_time_s, t.burn_time_s,
                t.burnout_altitude_km * 1e3, t.burnout_downrange_km * 1e3, t.burnout_gamma_deg * DEG, vehicle,
                t.burnout_speed_m_s,
            )
        )
    for i, flight in zip(glide_idx, fly_glide(grid, missions)):
        flights[i] = flight
    for i, t in enumerate(threats):
        if t.kind == "ballistic":
            flights[i] = fly_ballistic(
                grid, (t.launch.lat_deg, t.launch.lon_deg), (t.aim.lat_deg, t.aim.lon_deg), t.launch_time_s,
                t.burn_time_s, t.burnout_altitude_km * 1e3, t.burnout_downrange_km * 1e3,
            )

    n_t, n = len(grid), len(threats)
    r = np.full((n_t, n, 3), np.nan)
    v = np.full((n_t, n, 3), np.nan)
    phase = np.full((n_t, n), -1, dtype=np.int8)
    intensity = np.full((n_t, n), np.nan)
    rcs = np.full((n_t, n), np.nan)
    impact = np.empty(n)
    miss = np.empty(n)
    for i in range(n):
        f = flights[i]
        k = np.searchsorted(grid.t_s, f.t_s)
        r[k, i], v[k, i], phase[k, i] = f.r_eci_m, f.v_eci_m_s, f.phase
        theta = grid.gmst_rad(f.t_s)
        _, v_ecef = eci_to_ecef_state(f.r_eci_m, f.v_eci_m_s, theta)
        sig = _signature(threats[i])
        intensity[k, i] = radiant_intensity_w_sr(sig, f.phase, np.linalg.norm(v_ecef, axis=1))
        rcs[k, i] = rcs_m2(sig, f.phase)
        impact[i] = f.impact_t_s
        lat, lon, _ = ecef_to_geodetic(eci_to_ecef(f.impact_r_eci_m, grid.gmst_rad(np.array([f.impact_t_s]))[0]))
        angle, _ = great_circle(lat, lon, threats[i].aim.lat_deg * DEG, threats[i].aim.lon_deg * DEG)
        miss[i] = float(angle) * R_EARTH_MEAN_M
    return Truth(
        name=np.array([t.name for t in threats], dtype=object),
        kind=np.array([t.kind for t in threats], dtype=object),
        r_eci_m=r,
        v_eci_m_s=v,
        phase=phase,
        intensity_w_sr=intensity,
        rcs_m2=rcs,
        launch_t_s=np.array([t.launch_time_s for t in threats], dtype=np.float64),
        impact_t_s=impact,
        aim_lat_rad=np.array([t.aim.lat_deg for t in threats]) * DEG,
        aim_lon_rad=np.array([t.aim.lon_deg for t in threats]) * DEG,
        miss_m=miss,
    )
