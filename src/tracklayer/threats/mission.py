"""One threat flight described in SI units, and how it becomes a row of a `Batch`.

A `Mission` holds what the scenario says (sites, rocket, vehicle, guidance
options, dynamics switches); `Controls` hold what the targeting solvers choose
(launch azimuth, pitch-over angle, thrust cut-off, burn-time scale).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tracklayer.earth.constants import G0_M_S2, J2_EARTH, OMEGA_EARTH_RAD_S, R_EARTH_MEAN_M
from tracklayer.earth.frames import geodetic_to_ecef
from tracklayer.threats import aero
from tracklayer.threats.batch import (
    BOOST, COAST, E_MASS, E_TIME, GUIDE_GLIDE, MAX_EVENTS, MAX_STAGES, MAX_WAYPOINTS, P_AIM_X, P_BOOST_CDA,
    P_COS_AZ, P_COS_KICK, P_DAMP, P_DIVE_TAN, P_ENTRY_ALT, P_GROUND_ALT, P_GUIDE, P_HEAD_TAU, P_J2,
    P_N_MACH, P_N_STAGES, P_N_WAYPOINTS, P_NAV_GAIN, P_OMEGA, P_PAYLOAD_KG, P_R_SPHERE, P_S_REF,
    P_SIN_AZ, P_SIN_KICK, P_T_BOOST_END, P_T_CUTOFF, P_T_LAUNCH, P_T_MAX, P_T_PITCH, P_T_VERTICAL,
    P_V_MARK, P_WEAVE_COS, P_WEAVE_HALF, P_WEAVE_SIN, Batch,
    Lattice, reset,
)

ENTRY_ALTITUDE_M = 100e3
"""Atmospheric interface: below it (descending) a ballistic vehicle is in its terminal
phase and a glide vehicle in its glide phase."""


@dataclass(frozen=True)
class Rocket:
    """A multi-stage rocket flying a gravity turn.

    ``stages``: (propellant kg, dry kg, effective Isp s, burn time s) from the first stage
    up; ``drag_area_m2``: C_D x A of the stack; the vehicle rises vertically for
    ``vertical_rise_s``, then holds the pitch-over (kick) attitude for ``pitch_over_s``,
    then thrusts along its velocity.
    """

    stages: tuple[tuple[float, float, float, float], ...]
    drag_area_m2: float
    vertical_rise_s: float = 8.0
    pitch_over_s: float = 6.0

    @property
    def burn_time_s(self) -> float:
        return float(sum(s[3] for s in self.stages))

    def liftoff_mass_kg(self, payload_kg: float) -> float:
        return payload_kg + sum(s[0] + s[1] for s in self.stages)

    def ideal_delta_v_m_s(self, payload_kg: float) -> float:
        m = self.liftoff_mass_kg(payload_kg)
        dv = 0.0
        for prop, dry, isp, _ in self.stages:
            dv += isp * G0_M_S2 * np.log(m / (m - prop))
            m -= prop + dry
        return float(dv)

    def thrust_to_weight(self, payload_kg: float, burn_scale: float = 1.0) -> float:
        prop, _, isp, burn = self.stages[0]
        return prop / (burn * burn_scale) * isp * G0_M_S2 / (self.liftoff_mass_kg(payload_kg) * G0_M_S2)


@dataclass(frozen=True)
class Mission:
    """One threat, SI units, angles in radians."""

    launch_lat: float
    launch_lon: float
    aim_lat: float
    aim_lon: float
    t_launch_s: float
    rocket: Rocket | None
    payload_kg: float
    polar: np.ndarray  # (n_mach, 5) rows, see tracklayer.threats.aero
    s_ref_m2: float
    guide: int
    launch_alt_m: float = 0.0
    aim_alt_m: float = 0.0
    damping_zeta: float = 0.7
    heading_tau_s: float = 30.0
    dive_angle_rad: float = np.radians(15.0)
    nav_gain: float = 3.0
    weave_rad: float = 0.0
    weave_period_s: float = 0.0
    waypoints: tuple[tuple[float, float], ...] = field(default=())
    dive_speed_m_s: float = 2500.0
    rotation: bool = True
    j2: bool = True
    spherical: bool = False
    max_flight_s: float = 4 * 3600.0

    @property
    def booster(self) -> Rocket:
        """The rocket, for the boost phase and its targeting (a mission without one has no boost)."""
        if self.rocket is None:
            raise ValueError("this mission has no rocket")
        return self.rocket

    def site_f(self, lat: float, lon: float, alt: float) -> np.ndarray:
        """Position of a site in the frame F."""
        if self.spherical:
            r = R_EARTH_MEAN_M + alt
            return r * np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        return geodetic_to_ecef(np.array(lat), np.array(lon), np.array(alt))

    @property
    def launch_f(self) -> np.ndarray:
        return self.site_f(self.launch_lat, self.launch_lon, self.launch_alt_m)

    @property
    def aim_f(self) -> np.ndarray:
        return self.site_f(self.aim_lat, self.aim_lon, self.aim_alt_m)

    @property
    def lift_to_drag(self) -> float:
        return float(np.median(aero.max_lift_to_drag(self.polar))) if self.guide == GUIDE_GLIDE else 0.0


@dataclass
class Controls:
    """Solver-chosen controls, one row per mission: launch azimuth and pitch-over angle
    (rad), thrust cut-off (s after launch; inf: burn out) and burn-time scale."""

    azimuth_rad: np.ndarray
    kick_rad: np.ndarray
    cutoff_s: np.ndarray
    burn_scale: np.ndarray

    def take(self, rows: np.ndarray) -> Controls:
        return Controls(self.azimuth_rad[rows].copy(), self.kick_rad[rows].copy(), self.cutoff_s[rows].copy(), self.burn_scale[rows].copy())

    @classmethod
    def concat(cls, items: list[Controls]) -> Controls:
        return cls(*(np.concatenate([getattr(c, f) for c in items]) for f in ("azimuth_rad", "kick_rad", "cutoff_s", "burn_scale")))


def _fill_vehicle(batch: Batch, i: int, m: Mission) -> None:
    p = batch.params[i]
    p[P_OMEGA] = OMEGA_EARTH_RAD_S if m.rotation else 0.0
    p[P_J2] = J2_EARTH if m.j2 else 0.0
    p[P_R_SPHERE] = R_EARTH_MEAN_M if m.spherical else 0.0
    p[P_GROUND_ALT] = m.aim_alt_m
    p[P_T_LAUNCH] = m.t_launch_s
    p[P_T_MAX] = m.t_launch_s + m.max_flight_s
    p[P_PAYLOAD_KG] = m.payload_kg
    p[P_N_MACH] = m.polar.shape[0]
    p[P_S_REF] = m.s_ref_m2
    batch.aero[i] = aero.pad(m.polar)
    p[P_GUIDE] = m.guide
    p[P_DAMP] = 2.0 * m.damping_zeta
    p[P_HEAD_TAU] = m.heading_tau_s
    p[P_DIVE_TAN] = np.tan(m.dive_angle_rad)
    p[P_NAV_GAIN] = m.nav_gain
    p[P_WEAVE_COS] = np.cos(m.weave_rad)
    p[P_WEAVE_SIN] = np.sin(m.weave_rad)
    p[P_WEAVE_HALF] = 0.5 * m.weave_period_s if m.weave_rad != 0.0 else 0.0
    p[P_AIM_X:P_AIM_X + 3] = m.aim_f
    p[P_ENTRY_ALT] = ENTRY_ALTITUDE_M
    p[P_V_MARK] = m.dive_speed_m_s
    if len(m.waypoints) > MAX_WAYPOINTS:
        raise ValueError(f"at most {MAX_WAYPOINTS} waypoints")
    p[P_N_WAYPOINTS] = len(m.waypoints)
    for k, (lat, lon) in enumerate(m.waypoints):
        w = m.site_f(lat, lon, 0.0)
        batch.waypoints[i, k] = w / np.linalg.norm(w)


def _fill_rocket(batch: Batch, i: int, m: Mission, az: float, kick: float, cutoff: float, scale: float) -> None:
    rocket = m.rocket
    assert rocket is not None and len(rocket.stages) <= MAX_STAGES
    p = batch.params[i]
    tl = m.t_launch_s
    p[P_T_VERTICAL] = rocket.vertical_rise_s
    p[P_T_PITCH] = rocket.pitch_over_s
    p[P_COS_KICK], p[P_SIN_KICK] = np.cos(kick), np.sin(kick)
    p[P_COS_AZ], p[P_SIN_AZ] = np.cos(az), np.sin(az)
    p[P_BOOST_CDA] = rocket.drag_area_m2
    p[P_N_STAGES] = len(rocket.stages)
    events = [(tl + rocket.vertical_rise_s, np.nan), (tl + rocket.vertical_rise_s + rocket.pitch_over_s, np.nan)]
    t = 0.0
    remaining = rocket.liftoff_mass_kg(m.payload_kg)
    for k, (prop, dry, isp, burn) in enumerate(rocket.stages):
        b = burn * scale
        batch.stages[i, k] = (t, t + b, prop / b, isp * G0_M_S2)
        remaining -= prop + dry
        events.append((tl + t + b, remaining))
        t += b
    end = min(cutoff, t)
    p[P_T_CUTOFF] = tl + cutoff if np.isfinite(cutoff) else np.inf
    p[P_T_BOOST_END] = tl + end
    events = sorted(e for e in events if e[0] < tl + end) + [(tl + end, m.payload_kg)]
    batch.events[i] = np.nan
    batch.events[i, :, E_TIME] = np.inf
    for k, (te, mass) in enumerate(events[:MAX_EVENTS]):
        batch.events[i, k, E_TIME] = te
        batch.events[i, k, E_MASS] = mass


def launch_batch(missions: list[Mission], controls: Controls, lattice: Lattice) -> Batch:
    """A batch of rocket flights from their pads (every mission needs a rocket)."""
    batch = Batch.empty(len(missions))
    for i, m in enumerate(missions):
        _fill_vehicle(batch, i, m)
        _fill_rocket(batch, i, m, controls.azimuth_rad[i], controls.kick_rad[i], controls.cutoff_s[i], controls.burn_scale[i])
    r0 = np.array([m.launch_f for m in missions]).reshape(-1, 3)
    mass0 = np.array([m.booster.liftoff_mass_kg(m.payload_kg) for m in missions])
    reset(batch, r0, np.zeros_like(r0), mass0, np.full(len(missions), BOOST), np.array([m.t_launch_s for m in missions]), lattice)
    return batch


def state_batch(missions: list[Mission], r0_f: np.ndarray, v0_f: np.ndarray, t0_s: np.ndarray, lattice: Lattice) -> Batch:
    """A batch of unpowered flights starting from given states (F frame) at times ``t0_s``."""
    batch = Batch.empty(len(missions))
    for i, m in enumerate(missions):
        _fill_vehicle(batch, i, m)
        batch.params[i, P_T_LAUNCH] = t0_s[i]
        batch.params[i, P_T_MAX] = t0_s[i] + m.max_flight_s
    mass = np.array([m.payload_kg for m in missions])
    reset(batch, r0_f, v0_f, mass, np.full(len(missions), COAST), np.asarray(t0_s, dtype=np.float64), lattice)
    return batch
