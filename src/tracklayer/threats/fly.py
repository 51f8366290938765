"""Fly every threat of a scenario onto the common time grid (the truth)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tracklayer.earth.atmosphere import flight_tables, table_lookup
from tracklayer.earth.constants import DEG, R_EARTH_MEAN_M
from tracklayer.earth.frames import ecef_to_eci_state, ecef_to_geodetic, great_circle
from tracklayer.earth.time import TimeGrid
from tracklayer.threats.batch import R_END_X, R_LANDED, R_T_END, fly_batch
from tracklayer.threats.dynamics import altitude_numpy
from tracklayer.threats.mission import launch_batch
from tracklayer.threats.plan import Plan, plan_threats
from tracklayer.threats.signatures import BANDS, DEFAULT_BAND, intensities_w_sr, rcs_m2

TIME_CHUNK = 4096
"""Grid steps flown per kernel call (caps the kernel's working set)."""


@dataclass(frozen=True)
class Truth:
    """Truth of all threats on the scenario grid; NaN / phase -1 where a threat is not flying.

    Attributes
    ----------
    name, kind : (N,) str
    r_eci_m, v_eci_m_s : (T, N, 3)
    phase : (T, N) int8, index into `tracklayer.threats.PHASES`, -1 when not flying
    intensity_w_sr : (T, N) radiant intensity in the default sensor band (SWIR 1.4-3.0 um), W/sr
    rcs_m2 : (T, N) radar cross-section, m^2
    launch_t_s, impact_t_s : (N,) seconds since epoch
    aim_lat_rad, aim_lon_rad, miss_m : (N,) aim point and distance of the impact from it
    intensity_band_w_sr : band name (`tracklayer.threats.signatures.BANDS`) -> (T, N) W/sr
    mach, dynamic_pressure_pa, surface_temperature_k : (T, N) (temperature NaN in boost)
    impact_lat_rad, impact_lon_rad : (N,) where each threat came down (NaN: it did not)
    lift_to_drag : (N,) maximum L/D of glide vehicles (0 for ballistic threats)
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
    intensity_band_w_sr: dict[str, np.ndarray] = field(default_factory=dict)
    mach: np.ndarray | None = None
    dynamic_pressure_pa: np.ndarray | None = None
    surface_temperature_k: np.ndarray | None = None
    impact_lat_rad: np.ndarray | None = None
    impact_lon_rad: np.ndarray | None = None
    lift_to_drag: np.ndarray | None = None

    def __len__(self) -> int:
        return self.name.shape[0]

    @property
    def flying(self) -> np.ndarray:
        """(T, N) bool: the threat exists (launched, not yet impacted)."""
        return self.phase >= 0


def fly_threats(threats: list, grid: TimeGrid, plan: Plan | None = None, miss_tolerance_m: dict[str, float] | None = None) -> Truth:
    """Target and fly the scenario's threats (schema objects) and sample them on ``grid``.

    Raises `tracklayer.threats.plan.ThreatPlanError` when a threat cannot be flown or its
    targeted flight lands farther from its aim than ``miss_tolerance_m[kind]`` (m).
    """
    if plan is None:
        plan = plan_threats(threats, float(grid.t_s[1] - grid.t_s[0]) if len(grid) > 1 else 1.0, miss_tolerance_m=miss_tolerance_m)
    missions, lattice = plan.missions, plan.lattice
    n_t, n = len(grid), len(missions)
    batch = launch_batch(missions, plan.controls, lattice)
    x_f = np.full((n_t, n, 6), np.nan)
    phase = np.full((n_t, n), -1, dtype=np.int8)
    for k0 in range(0, n_t, TIME_CHUNK):
        k1 = min(k0 + TIME_CHUNK, n_t)
        fly_batch(batch, lattice, float(grid.t_s[k1 - 1]), k0, k1 - k0, x_f[k0:k1], phase[k0:k1])
    fly_batch(batch, lattice, max(m.t_launch_s + m.max_flight_s for m in missions) + lattice.step_s)
    rec = batch.rec

    theta = grid.gmst_rad()[:, None]
    r_eci, v_eci = ecef_to_eci_state(x_f[..., :3], x_f[..., 3:], theta)
    sphere = np.array([R_EARTH_MEAN_M if m.spherical else 0.0 for m in missions])
    alt = altitude_numpy(x_f[..., 0], x_f[..., 1], x_f[..., 2], np.broadcast_to(sphere, (n_t, n)))
    low, high = flight_tables()
    rho, sound = table_lookup(np.nan_to_num(alt, nan=2e6).ravel(), low, high)
    rho, sound = rho.reshape(n_t, n), sound.reshape(n_t, n)
    speed = np.linalg.norm(x_f[..., 3:], axis=-1)
    flying = phase >= 0
    bands = {b: np.full((n_t, n), np.nan) for b in BANDS}
    temp = np.full((n_t, n), np.nan)
    rcs = np.full((n_t, n), np.nan)
    for i, sig in enumerate(plan.signatures):
        on = flying[:, i]
        per_band, temp[on, i] = intensities_w_sr(
            phase[on, i], rho[on, i], speed[on, i], sig.plume_w_sr, sig.floor_w_sr,
            sig.emitting_area_m2, sig.heating_radius_m, sig.emissivity, sig.density_exponent, sig.speed_exponent,
        )
        for b in BANDS:
            bands[b][on, i] = per_band[b]
        rcs[on, i] = rcs_m2(phase[on, i], sig.rcs_m2)

    landed = rec[:, R_LANDED] > 0
    impact_t = np.where(landed, rec[:, R_T_END], np.nan)
    lat, lon, _ = ecef_to_geodetic(rec[:, R_END_X:R_END_X + 3])
    aim_lat = np.array([t.aim.lat_deg * DEG for t in threats])
    aim_lon = np.array([t.aim.lon_deg * DEG for t in threats])
    angle, _ = great_circle(lat, lon, aim_lat, aim_lon)
    return Truth(
        name=np.array([t.name for t in threats], dtype=object),
        kind=np.array([t.kind for t in threats], dtype=object),
        r_eci_m=r_eci,
        v_eci_m_s=v_eci,
        phase=phase,
        intensity_w_sr=bands[DEFAULT_BAND],
        rcs_m2=rcs,
        launch_t_s=np.array([t.launch_time_s for t in threats], dtype=np.float64),
        impact_t_s=impact_t,
        aim_lat_rad=aim_lat,
        aim_lon_rad=aim_lon,
        miss_m=np.where(landed, angle * R_EARTH_MEAN_M, np.nan),
        intensity_band_w_sr=bands,
        mach=np.where(flying, speed / sound, np.nan),
        dynamic_pressure_pa=np.where(flying, 0.5 * rho * speed * speed, np.nan),
        surface_temperature_k=temp,
        impact_lat_rad=np.where(landed, lat, np.nan),
        impact_lon_rad=np.where(landed, lon, np.nan),
        lift_to_drag=np.array([m.lift_to_drag for m in missions]),
    )
