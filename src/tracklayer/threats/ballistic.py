"""Ballistic missiles: free-flight closed forms and the targeting solver.

Free flight in vacuum about a spherical, non-rotating Earth (Bate, Mueller & White
1971, Sec. 6.2): for burnout radius r1, impact radius r2, range angle Psi and
burnout speed parameter nu = r1 v^2 / mu at flight-path angle gamma,

    nu(gamma) = (1 - cos Psi) / (cos^2 gamma (r1/r2 - cos Psi) + cos gamma sin gamma sin Psi).

Minimising nu over gamma gives tan 2 gamma* = sin Psi / (r1/r2 - cos Psi): the
minimum-energy trajectory, which for r1 = r2 reduces to sin(Psi/2) = nu/(2 - nu),
gamma* = (pi - Psi)/4 (DOMAIN.md Sec. 2). Lofted and depressed trajectories fly at
gamma* +/- a loft angle with the speed the range equation asks for. The time of
flight follows from Kepler's equation.

Targeting (`target_ballistic`): the launch azimuth, pitch-over angle and thrust
cut-off of the rocket are solved (batched Newton on whole flights with rotation,
J2 and drag) so that the impact lands on the aim point and the inertial burnout
flight-path angle equals that of the chosen trajectory for the burnout point
reached. `solve_burnout` does the same for a vehicle released at a given
burnout point, with speed and heading as unknowns.
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import MU_EARTH_M3_S2, OMEGA_EARTH_RAD_S, R_EARTH_MEAN_M
from tracklayer.threats.batch import R_BO_X, R_END_X, R_LANDED, R_T_BURNOUT, R_T_END, Lattice, fly_batch
from tracklayer.threats.boost import KICK_BOUNDS_RAD, KICK_SCAN_RAD, burnout_conditions, interpolate_crossing, scan_kicks
from tracklayer.threats.mission import Controls, Mission, launch_batch, state_batch
from tracklayer.threats.solve import newton

TRAJECTORIES = ("minimum-energy", "lofted", "depressed")


def speed_parameter(gamma_rad: np.ndarray, psi_rad: np.ndarray, r1_m: np.ndarray, r2_m: np.ndarray) -> np.ndarray:
    """Burnout nu = r1 v^2/mu reaching radius r2 after range angle psi at flight-path angle gamma."""
    c, s = np.cos(gamma_rad), np.sin(gamma_rad)
    return (1.0 - np.cos(psi_rad)) / (c * c * (r1_m / r2_m - np.cos(psi_rad)) + c * s * np.sin(psi_rad))


def minimum_energy_gamma(psi_rad: np.ndarray, r1_m: np.ndarray, r2_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flight-path angle (rad) and nu of the minimum-energy trajectory (closed form)."""
    gamma = 0.5 * np.arctan2(np.sin(psi_rad), np.asarray(r1_m) / r2_m - np.cos(psi_rad))
    return gamma, speed_parameter(gamma, psi_rad, r1_m, r2_m)


def range_angle(nu: np.ndarray | float, gamma_rad: np.ndarray | float, r1_m: np.ndarray | float, r2_m: np.ndarray | float) -> np.ndarray:
    """Range angle (rad) from burnout (r1, nu, gamma) to radius r2 on the way down (NaN: never)."""
    p_over_r1 = nu * np.cos(gamma_rad) ** 2
    ecos1 = p_over_r1 - 1.0
    esin1 = nu * np.sin(gamma_rad) * np.cos(gamma_rad)
    e = np.hypot(ecos1, esin1)
    theta1 = np.arctan2(esin1, ecos1)
    cos2 = (p_over_r1 * r1_m / r2_m - 1.0) / np.where(e > 0, e, 1.0)
    theta2 = 2.0 * np.pi - np.arccos(np.where(np.abs(cos2) <= 1.0, cos2, np.nan))
    return np.mod(theta2 - theta1, 2.0 * np.pi)


def time_of_flight_s(r1_m: np.ndarray, nu: np.ndarray, gamma_rad: np.ndarray, psi_rad: np.ndarray) -> np.ndarray:
    """Kepler time (s) from burnout (r1, nu, gamma) until the true anomaly has advanced by psi."""
    a = r1_m / (2.0 - nu)
    ecos1 = nu * np.cos(gamma_rad) ** 2 - 1.0
    esin1 = nu * np.sin(gamma_rad) * np.cos(gamma_rad)
    e = np.hypot(ecos1, esin1)
    th1 = np.arctan2(esin1, ecos1)

    def mean_anomaly(th: np.ndarray) -> np.ndarray:
        big_e = 2.0 * np.arctan2(np.sqrt(1.0 - e) * np.sin(th / 2.0), np.sqrt(1.0 + e) * np.cos(th / 2.0))
        return big_e - e * np.sin(big_e)

    dm = np.mod(mean_anomaly(th1 + psi_rad) - mean_anomaly(th1), 2.0 * np.pi)
    return dm / np.sqrt(MU_EARTH_M3_S2 / a**3)


def _rotate_z(v: np.ndarray, angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([c * v[:, 0] - s * v[:, 1], s * v[:, 0] + c * v[:, 1], v[:, 2]], axis=1)


def _omega(missions: list[Mission]) -> np.ndarray:
    return np.array([OMEGA_EARTH_RAD_S if m.rotation else 0.0 for m in missions])


def required_burnout(r_f: np.ndarray, v_f: np.ndarray, aim_f: np.ndarray, omega: np.ndarray, loft_rad: np.ndarray,
                     tof_s: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Inertial burnout flight-path angle the trajectory asks for, and its speed, at F-frame
    burnout states (N, 3) toward aim points (N, 3) on an Earth turning at ``omega``.

    The aim point is carried by the Earth's rotation over the time of flight (``tof_s``,
    or three fixed-point iterations of the Kepler time of flight).
    """
    r1 = np.linalg.norm(r_f, axis=1)
    r2 = np.linalg.norm(aim_f, axis=1)
    v_in = v_f + np.cross(np.stack([np.zeros_like(omega), np.zeros_like(omega), omega], axis=1), r_f)
    speed = np.linalg.norm(v_in, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma_now = np.arcsin(np.clip(np.sum(v_in * r_f, axis=1) / (speed * r1), -1.0, 1.0))
    tof = np.zeros(len(r1)) if tof_s is None else tof_s
    for _ in range(1 if tof_s is not None else 4):
        aim_i = _rotate_z(aim_f, omega * tof)
        psi = np.arccos(np.clip(np.sum(r_f * aim_i, axis=1) / (r1 * r2), -1.0, 1.0))
        g_star, _ = minimum_energy_gamma(psi, r1, r2)
        gamma = g_star + loft_rad
        nu = speed_parameter(gamma, psi, r1, r2)
        if tof_s is None:
            tof = time_of_flight_s(r1, nu, gamma, psi)
    return {"gamma": gamma, "nu": nu, "speed": np.sqrt(nu * MU_EARTH_M3_S2 / r1), "psi": psi, "gamma_now": gamma_now,
            "speed_now": speed, "aim_inertial": aim_i, "tof": tof}


def impact_miss(end_f: np.ndarray, aim_f: np.ndarray, launch_f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Down-range and cross-range offsets (m) of impact points from aim points, in the aim's
    horizontal plane (down-range: along the great circle from the launch point)."""
    up = aim_f / np.linalg.norm(aim_f, axis=1, keepdims=True)
    normal = np.cross(launch_f, aim_f)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    along = np.cross(normal, up)
    d = end_f - aim_f
    return np.sum(d * along, axis=1), np.sum(d * normal, axis=1)


def _fly_full(missions: list[Mission], controls: Controls, lattice: Lattice) -> np.ndarray:
    batch = launch_batch(missions, controls, lattice)
    fly_batch(batch, lattice, max(m.t_launch_s + m.max_flight_s for m in missions) + lattice.step_s)
    return batch.rec


def initial_guess(missions: list[Mission], loft_rad: np.ndarray, lattice: Lattice) -> tuple[Controls, np.ndarray]:
    """First-guess controls from full-burn boosts over a range of pitch-over angles, and the
    largest range (m) each rocket reaches at its trajectory's flight-path angle."""
    n = len(missions)
    aim = np.array([m.aim_f for m in missions])
    azimuth = np.array([_azimuth(m) for m in missions])
    k0, hist, phase = scan_kicks(missions, azimuth, np.ones(n), lattice)
    t = (k0 + np.arange(hist.shape[0])) * lattice.step_s
    omega = _omega(missions)
    kick, cutoff, max_range = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n)
    for i, m in enumerate(missions):
        mismatch, t_at = [], []
        for j in range(hist.shape[1]):
            ok = (phase[:, j, i] == 0) & np.isfinite(hist[:, j, i, 0])
            h = hist[ok, j, i]
            if h.shape[0] < 3:
                mismatch.append(np.nan)
                t_at.append(np.nan)
                continue
            req = required_burnout(h[:, :3], h[:, 3:], np.repeat(aim[i:i + 1], len(h), 0), np.full(len(h), omega[i]), np.full(len(h), loft_rad[i]))
            # largest range at the trajectory's angle with the full-burn speed
            nu_full = req["speed_now"][-1] ** 2 * np.linalg.norm(h[-1, :3]) / MU_EARTH_M3_S2
            rng = range_angle(nu_full, req["gamma_now"][-1], float(np.linalg.norm(h[-1, :3])), float(np.linalg.norm(aim[i])))
            if np.isfinite(rng) and burnout_conditions(h[-1:], [m])["alt"][0] > 0:
                max_range[i] = max(max_range[i], rng * R_EARTH_MEAN_M)
            above = np.nonzero(req["speed_now"] >= req["speed"])[0]
            above = above[above > 0]
            if not above.size:
                mismatch.append(np.nan)
                t_at.append(np.nan)
                continue
            a = above[0]
            d0 = req["speed_now"][a - 1] - req["speed"][a - 1]
            d1 = req["speed_now"][a] - req["speed"][a]
            w = -d0 / (d1 - d0) if d1 != d0 else 0.0
            tt = t[ok]
            t_at.append(tt[a - 1] + w * (tt[a] - tt[a - 1]) - m.t_launch_s)
            g0 = req["gamma_now"][a - 1] - req["gamma"][a - 1]
            g1 = req["gamma_now"][a] - req["gamma"][a]
            mismatch.append(g0 + w * (g1 - g0))
        kick[i], cutoff[i] = interpolate_crossing(np.array(mismatch), 0.0, KICK_SCAN_RAD, np.array(t_at))
    return Controls(azimuth, kick, cutoff, np.ones(n)), max_range


def _azimuth(m: Mission) -> float:
    from tracklayer.earth.frames import great_circle

    _, az = great_circle(m.launch_lat, m.launch_lon, m.aim_lat, m.aim_lon)
    return float(az)


def target_ballistic(missions: list[Mission], loft_rad: np.ndarray, lattice: Lattice, miss_tol_m: float = 10.0):
    """Rocket controls landing each mission on its aim point on its trajectory type.

    Returns controls, the flight records of the solution, whether each converged,
    and the largest reachable range (m) found by the first-guess scan.
    """
    start, max_range = initial_guess(missions, loft_rad, lattice)
    usable = np.isfinite(start.kick_rad) & np.isfinite(start.cutoff_s)
    n = len(missions)
    aim = np.array([m.aim_f for m in missions])
    launch = np.array([m.launch_f for m in missions])
    omega = _omega(missions)
    burn = np.array([m.booster.burn_time_s for m in missions])

    def residual(idx: np.ndarray, u: np.ndarray) -> np.ndarray:
        ms = [missions[i] for i in idx]
        c = Controls(u[:, 0], u[:, 1], np.minimum(u[:, 2], burn[idx]), np.ones(len(idx)))
        rec = _fly_full(ms, c, lattice)
        down, cross = impact_miss(rec[:, R_END_X:R_END_X + 3], aim[idx], launch[idx])
        bo = rec[:, R_BO_X:R_BO_X + 6]
        req = required_burnout(bo[:, :3], bo[:, 3:], aim[idx], omega[idx], loft_rad[idx], rec[:, R_T_END] - rec[:, R_T_BURNOUT])
        bad = rec[:, R_LANDED] < 1.0
        res = np.stack([down, cross, (req["gamma_now"] - req["gamma"]) * 1e5], axis=1)
        res[bad] = np.nan
        return res

    controls = Controls(start.azimuth_rad.copy(), np.where(usable, start.kick_rad, 0.5), np.where(usable, start.cutoff_s, burn), np.ones(n))
    ok = np.zeros(n, dtype=bool)
    rows = np.nonzero(usable)[0]
    if rows.size:
        u0 = np.stack([controls.azimuth_rad[rows], controls.kick_rad[rows], controls.cutoff_s[rows]], axis=1)

        def sub_residual(idx, u):
            return residual(rows[idx], u)

        u, f, conv = newton(
            sub_residual, u0,
            np.array([-10.0, KICK_BOUNDS_RAD[0], 1.0]), np.array([10.0, KICK_BOUNDS_RAD[1], burn.max()]),
            np.array([1e-7, 1e-6, 1e-4]), np.array([miss_tol_m, miss_tol_m, 1.0]),
            np.array([np.radians(3.0), np.radians(5.0), 10.0]),
        )
        controls.azimuth_rad[rows], controls.kick_rad[rows], controls.cutoff_s[rows] = u[:, 0], u[:, 1], np.minimum(u[:, 2], burn[rows])
        ok[rows] = conv
    return controls, ok, max_range


def solve_burnout(missions: list[Mission], r_bo_f: np.ndarray, t_bo_s: np.ndarray, loft_rad: np.ndarray,
                  lattice: Lattice, miss_tol_m: float = 1.0):
    """Burnout velocity (F frame) from given burnout points that lands on the aim points.

    The flight-path angle is the trajectory's (minimum-energy + loft, inertial); speed and
    heading are solved on whole flights. Returns velocities (N, 3), records, converged.
    """
    aim = np.array([m.aim_f for m in missions])
    omega = _omega(missions)
    r1 = np.linalg.norm(r_bo_f, axis=1)
    up = r_bo_f / r1[:, None]

    def velocity(idx: np.ndarray, speed: np.ndarray, dheading: np.ndarray) -> np.ndarray:
        req = required_burnout(r_bo_f[idx], np.zeros((len(idx), 3)), aim[idx], omega[idx], loft_rad[idx])
        aim_i = req["aim_inertial"]
        fwd = aim_i - np.sum(aim_i * up[idx], axis=1, keepdims=True) * up[idx]
        fwd /= np.linalg.norm(fwd, axis=1, keepdims=True)
        side = np.cross(fwd, up[idx])
        fwd = np.cos(dheading)[:, None] * fwd + np.sin(dheading)[:, None] * side
        g = req["gamma"]
        v_in = speed[:, None] * (np.cos(g)[:, None] * fwd + np.sin(g)[:, None] * up[idx])
        w = np.stack([np.zeros(len(idx)), np.zeros(len(idx)), omega[idx]], axis=1)
        return v_in - np.cross(w, r_bo_f[idx])

    def fly(idx, u):
        ms = [missions[i] for i in idx]
        v = velocity(idx, u[:, 0], u[:, 1])
        batch = state_batch(ms, r_bo_f[idx], v, t_bo_s[idx], lattice)
        fly_batch(batch, lattice, float(np.max(t_bo_s[idx]) + max(m.max_flight_s for m in ms)))
        return batch.rec

    def residual(idx, u):
        rec = fly(idx, u)
        down, cross = impact_miss(rec[:, R_END_X:R_END_X + 3], aim[idx], r_bo_f[idx])
        res = np.stack([down, cross], axis=1)
        res[rec[:, R_LANDED] < 1.0] = np.nan
        return res

    first = required_burnout(r_bo_f, np.zeros_like(r_bo_f), aim, omega, loft_rad)
    u0 = np.stack([first["speed"], np.zeros(len(missions))], axis=1)
    u, f, ok = newton(residual, u0, np.array([100.0, -1.0]), np.array([11000.0, 1.0]), np.array([1e-4, 1e-8]),
                      np.array([miss_tol_m, miss_tol_m]), np.array([500.0, 0.05]))
    idx = np.arange(len(missions))
    return velocity(idx, u[:, 0], u[:, 1]), fly(idx, u), ok
