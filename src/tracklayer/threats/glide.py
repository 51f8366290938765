"""First hypersonic glide vehicle (HGV) model: boost, glide with lift and drag, terminal dive.

Dynamics: 3-DOF point mass in ECI over the rotating Earth (the atmosphere rotates
with it), central + J2 gravity, USSA-1976 density, drag per unit mass
D/m = rho v_rel^2 / (2 beta) opposite the air-relative velocity, lift L = (L/D) D
perpendicular to it (Vinh, Busemann & Culp 1980; Tracy & Wright 2020). Fixed-step
classical Runge-Kutta (RK4), all vehicles at once, each on its own clock since
burnout.

Guidance (deliberately simple; issue-level flight physics lives elsewhere):
* glide: the vertical part of the lift holds equilibrium glide at maximum L/D,
  L_v/m = g - v_h^2/r, through a critically damped second-order law on the
  altitude error ln(rho/rho_eq) * H that suppresses the phugoid; the horizontal part
  (bank) steers the heading onto the great circle to the aim point; the lift
  vector never exceeds (L/D) D;
* terminal: once atan(altitude / ground range to go) exceeds ``dive_angle``, lift
  is used for pursuit guidance toward the aim point.

The burnout speed is chosen from the constant-L/D equilibrium-glide range
(Candler & Leyva 2022, DOMAIN.md Sec. 2) with a margin, then raised where a first
flight falls short.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.atmosphere import density
from tracklayer.earth.constants import DEG, G0_M_S2, J2_EARTH, MU_EARTH_M3_S2, OMEGA_EARTH_RAD_S, R_EARTH_MEAN_M, WGS84_A_M
from tracklayer.earth.frames import ecef_to_eci_state, ecef_to_geodetic, eci_to_ecef, enu_basis, geodetic_to_ecef, great_circle
from tracklayer.earth.time import TimeGrid
from tracklayer.threats import BOOST, COAST, GLIDE, TERMINAL
from tracklayer.threats.common import Flight, boost_arc, burnout_point_ecef, ground_range_m, hermite, on_grid

GLIDE_ENTRY_ALTITUDE_M = 85e3
"""Once below this altitude (after burnout) the phase is labelled glide; above it, coast."""
MAX_BURNOUT_SPEED_M_S = 7200.0


@dataclass(frozen=True)
class GlideVehicle:
    """Vehicle and guidance parameters (SI). Presets in `tracklayer.threats.presets`."""

    mass_kg: float
    beta_kg_m2: float
    lift_to_drag: float
    heading_gain: float = 1.0
    phugoid_damping_1_s: float = 0.05
    dive_angle_rad: float = 15.0 * DEG


def gravity_j2(r: np.ndarray) -> np.ndarray:
    """Central + J2 gravitational acceleration (N, 3) m/s^2 at ECI positions (N, 3) m."""
    x, y, z = r[:, 0], r[:, 1], r[:, 2]
    r2 = np.sum(r * r, axis=1)
    rn = np.sqrt(r2)
    k = -MU_EARTH_M3_S2 / (r2 * rn)
    f = 1.5 * J2_EARTH * (WGS84_A_M**2) / r2
    zz = 5.0 * z * z / r2
    out = np.empty_like(r)
    out[:, 0] = k * x * (1.0 + f * (1.0 - zz))
    out[:, 1] = k * y * (1.0 + f * (1.0 - zz))
    out[:, 2] = k * z * (1.0 + f * (3.0 - zz))
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


class _Glide:
    """Right-hand side of the glide equations for a batch of vehicles."""

    def __init__(self, vehicles: list[GlideVehicle], grid: TimeGrid, t_bo: np.ndarray, aim_lat: np.ndarray, aim_lon: np.ndarray):
        self.beta = np.array([v.beta_kg_m2 for v in vehicles])
        self.ld = np.array([v.lift_to_drag for v in vehicles])
        self.k_head = np.array([v.heading_gain for v in vehicles])
        self.k_damp = np.array([v.phugoid_damping_1_s for v in vehicles])
        self.dive = np.array([v.dive_angle_rad for v in vehicles])
        self.grid = grid
        self.t_bo = t_bo
        self.aim_lat = aim_lat
        self.aim_lon = aim_lon
        self.aim_ecef = geodetic_to_ecef(aim_lat, aim_lon, np.zeros_like(aim_lat))
        self.terminal = np.zeros(len(vehicles), dtype=bool)

    def accel(self, tau: float, r: np.ndarray, v: np.ndarray) -> np.ndarray:
        theta = self.grid.gmst_rad(self.t_bo + tau)
        omega = np.array([0.0, 0.0, OMEGA_EARTH_RAD_S])
        v_rel = v - np.cross(omega, r)
        r_ecef = eci_to_ecef(r, theta)
        lat, lon, alt = ecef_to_geodetic(r_ecef)
        speed = np.linalg.norm(v_rel, axis=1)
        drag = density(alt) * speed**2 / (2.0 * self.beta)
        lift = self.ld * drag
        v_hat = _unit(v_rel)
        up = _unit(r)
        lift_v = _unit(up - np.sum(up * v_hat, axis=1, keepdims=True) * v_hat)
        lift_h = np.cross(v_hat, lift_v)

        # Glide: the vertical lift holds equilibrium glide (g - v_h^2/r) with damping of the
        # altitude rate (suppresses the phugoid); the rest of the lift steers the heading
        # onto the great circle to the aim point. |lift| never exceeds (L/D) D.
        g_vec = gravity_j2(r)
        rn = np.linalg.norm(r, axis=1)
        v_up = np.sum(v * up, axis=1)
        v_h2 = np.sum(v * v, axis=1) - v_up**2
        h_dot = np.sum(v_rel * up, axis=1)
        needed = -np.sum(g_vec * up, axis=1) - v_h2 / rn
        # ln(lift/needed) = ln(rho/rho_eq) ~ (h_eq - h)/H: restoring term toward the max-L/D
        # equilibrium altitude (scale height H = 7 km), plus rate damping.
        tiny = 1e-6
        log_ratio = np.log(np.maximum(lift, tiny) / np.maximum(needed, tiny))
        a_up = needed + self.k_damp**2 / 4.0 * 7000.0 * log_ratio - self.k_damp * h_dot
        a_up = np.clip(a_up / np.maximum(np.sum(lift_v * up, axis=1), 0.2), -lift, lift)
        v_rel_ecef = eci_to_ecef(v_rel, theta)
        enu = enu_basis(lat, lon)
        heading = np.arctan2(np.sum(enu[:, 0] * v_rel_ecef, axis=1), np.sum(enu[:, 1] * v_rel_ecef, axis=1))
        _, az_aim = great_circle(lat, lon, self.aim_lat, self.aim_lon)
        err = np.mod(az_aim - heading + np.pi, 2.0 * np.pi) - np.pi
        side_max = np.sqrt(np.maximum(lift**2 - a_up**2, 0.0))
        a_side = np.clip(self.k_head * err * speed / 60.0, -side_max, side_max)
        a_glide = a_up[:, None] * lift_v + a_side[:, None] * lift_h

        # Terminal: pursuit of the aim point, compensating gravity across the velocity.
        to_aim = eci_to_ecef(self.aim_ecef, -theta) - r
        dist = np.linalg.norm(to_aim, axis=1)
        d_hat = to_aim / dist[:, None]
        perp = d_hat - np.sum(d_hat * v_hat, axis=1, keepdims=True) * v_hat
        off = np.arctan2(np.linalg.norm(perp, axis=1), np.sum(d_hat * v_hat, axis=1))
        g_perp = g_vec - np.sum(g_vec * v_hat, axis=1, keepdims=True) * v_hat
        a_dive = (3.0 * speed**2 * off / dist)[:, None] * _unit(perp) - g_perp
        dive_norm = np.linalg.norm(a_dive, axis=1)
        a_dive *= (np.minimum(dive_norm, lift) / np.where(dive_norm > 0, dive_norm, 1.0))[:, None]

        a_lift = np.where(self.terminal[:, None], a_dive, a_glide)
        return g_vec - drag[:, None] * v_hat + a_lift

    def update_modes(self, tau: float, r: np.ndarray) -> None:
        """Latch the terminal dive once atan(altitude / ground range to aim) exceeds the dive angle."""
        theta = self.grid.gmst_rad(self.t_bo + tau)
        lat, lon, alt = ecef_to_geodetic(eci_to_ecef(r, theta))
        angle, _ = great_circle(lat, lon, self.aim_lat, self.aim_lon)
        self.terminal |= np.arctan2(alt, angle * R_EARTH_MEAN_M) > self.dive


def glide_burnout_speed(range_m: float, vehicle: GlideVehicle, end_speed_m_s: float = 2500.0) -> float:
    """Burnout speed (m/s) whose equilibrium-glide range (constant L/D) is ``range_m``.

    s = (R/2)(L/D) ln[(1 - v_f^2/v_c^2)/(1 - v_0^2/v_c^2)], v_c = sqrt(g R)
    (Candler & Leyva 2022, Eq. 7; DOMAIN.md Sec. 2), solved for v_0.
    """
    vc2 = G0_M_S2 * R_EARTH_MEAN_M
    ratio = (1.0 - end_speed_m_s**2 / vc2) * np.exp(-2.0 * range_m / (R_EARTH_MEAN_M * vehicle.lift_to_drag))
    return float(np.sqrt(vc2 * (1.0 - ratio)))


@dataclass(frozen=True)
class GlideMission:
    launch_deg: tuple[float, float]
    aim_deg: tuple[float, float]
    t_launch_s: float
    burn_time_s: float
    burnout_altitude_m: float
    burnout_downrange_m: float
    burnout_gamma_rad: float
    vehicle: GlideVehicle
    burnout_speed_m_s: float | None = None


def _burnout_state(m: GlideMission, speed: float, grid: TimeGrid) -> tuple[np.ndarray, np.ndarray]:
    r_ecef = burnout_point_ecef(m.launch_deg, m.aim_deg, m.burnout_downrange_m, m.burnout_altitude_m)
    lat, lon, _ = ecef_to_geodetic(r_ecef)
    _, az = great_circle(lat, lon, m.aim_deg[0] * DEG, m.aim_deg[1] * DEG)
    e, n, u = enu_basis(lat, lon)
    v_ecef = speed * (np.cos(m.burnout_gamma_rad) * (np.sin(az) * e + np.cos(az) * n) + np.sin(m.burnout_gamma_rad) * u)
    theta = grid.gmst_rad(np.array([m.t_launch_s + m.burn_time_s]))[0]
    return ecef_to_eci_state(r_ecef, v_ecef, theta)


def _integrate(missions: list[GlideMission], speeds: np.ndarray, grid: TimeGrid, dt: float, max_tau: float):
    """RK4 from burnout to impact for all vehicles; returns node states and impact times."""
    t_bo = np.array([m.t_launch_s + m.burn_time_s for m in missions])
    aim_lat = np.array([m.aim_deg[0] * DEG for m in missions])
    aim_lon = np.array([m.aim_deg[1] * DEG for m in missions])
    rhs = _Glide([m.vehicle for m in missions], grid, t_bo, aim_lat, aim_lon)
    states = [_burnout_state(m, s, grid) for m, s in zip(missions, speeds)]
    r = np.array([s[0] for s in states])
    v = np.array([s[1] for s in states])
    n_steps = int(np.ceil(max_tau / dt))
    rs, vs, terminal = [r], [v], [rhs.terminal.copy()]
    impact_tau = np.full(len(missions), np.nan)
    r_surface = np.linalg.norm(rhs.aim_ecef, axis=1)
    for k in range(n_steps):
        tau = k * dt
        rhs.update_modes(tau, r)
        k1v = rhs.accel(tau, r, v)
        k1r = v
        k2v = rhs.accel(tau + dt / 2, r + dt / 2 * k1r, v + dt / 2 * k1v)
        k2r = v + dt / 2 * k1v
        k3v = rhs.accel(tau + dt / 2, r + dt / 2 * k2r, v + dt / 2 * k2v)
        k3r = v + dt / 2 * k2v
        k4v = rhs.accel(tau + dt, r + dt * k3r, v + dt * k3v)
        k4r = v + dt * k3v
        r = r + dt / 6 * (k1r + 2 * k2r + 2 * k3r + k4r)
        v = v + dt / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
        rs.append(r)
        vs.append(v)
        terminal.append(rhs.terminal.copy())
        # Altitude over the local aim-point radius: accurate enough to find the ground crossing.
        h_prev = np.linalg.norm(rs[-2], axis=1) - r_surface
        h_now = np.linalg.norm(r, axis=1) - r_surface
        hit = np.isnan(impact_tau) & (h_now <= 0.0)
        impact_tau[hit] = tau + dt * h_prev[hit] / (h_prev[hit] - h_now[hit])
        if not np.any(np.isnan(impact_tau)):
            break
    return t_bo, np.array(rs), np.array(vs), np.array(terminal), impact_tau


def fly_glide(grid: TimeGrid, missions: list[GlideMission], dt: float = 1.0, max_flight_s: float = 5400.0) -> list[Flight]:
    """Truth of a batch of glide vehicles on the scenario grid."""
    if not missions:
        return []
    speeds = np.empty(len(missions))
    for i, m in enumerate(missions):
        ground, _ = ground_range_m(m.launch_deg, m.aim_deg)
        dive_m = 40e3 / np.tan(m.vehicle.dive_angle_rad)
        glide_range = max(ground - m.burnout_downrange_m - dive_m, 0.0)
        speeds[i] = m.burnout_speed_m_s or min(glide_burnout_speed(1.15 * glide_range, m.vehicle), MAX_BURNOUT_SPEED_M_S)
    t_bo, rs, vs, terminal, impact_tau = _integrate(missions, speeds, grid, dt, max_flight_s)

    flights = []
    for i, m in enumerate(missions):
        t_imp = t_bo[i] + (impact_tau[i] if np.isfinite(impact_tau[i]) else max_flight_s)
        t = on_grid(grid, m.t_launch_s, t_imp)
        r = np.empty((t.size, 3))
        v = np.empty((t.size, 3))
        phase = np.empty(t.size, dtype=np.int8)
        boost = t <= t_bo[i]
        r[boost], v[boost] = boost_arc(grid, m.launch_deg, 0.0, m.t_launch_s, t_bo[i], rs[0, i], vs[0, i], t[boost])
        phase[boost] = BOOST
        tau = t[~boost] - t_bo[i]
        k = np.minimum((tau // dt).astype(int), rs.shape[0] - 2)
        pos, vel = hermite((tau - k * dt) / dt, dt, rs[k, i], vs[k, i], rs[k + 1, i], vs[k + 1, i])
        r[~boost], v[~boost] = pos, vel
        alt = np.linalg.norm(pos, axis=1) - np.linalg.norm(rs[0, i]) + m.burnout_altitude_m
        ph = np.where(terminal[k + 1, i], TERMINAL, np.where(np.minimum.accumulate(alt) < GLIDE_ENTRY_ALTITUDE_M, GLIDE, COAST))
        phase[~boost] = ph
        k_imp = min(int(impact_tau[i] // dt), rs.shape[0] - 2) if np.isfinite(impact_tau[i]) else rs.shape[0] - 2
        s_imp = np.array([(t_imp - t_bo[i]) / dt - k_imp])
        r_imp, _ = hermite(s_imp, dt, rs[k_imp, i], vs[k_imp, i], rs[k_imp + 1, i], vs[k_imp + 1, i])
        flights.append(Flight(t, r, v, phase, float(t_imp), r_imp[0]))
    return flights
