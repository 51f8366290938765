"""Boost: rockets from presets, burnout conditions, and the solver that hits them.

A public description of a boost ("burnout at 5.8 km/s, 8 deg above the horizon,
~90 km up") is hit directly: the pitch-over angle sets the flight-path angle of
the gravity turn, the thrust cut-off the speed, and (when an altitude is asked
for) a common scale of every stage's burn time (thrust scaled inversely, so the
propellant is unchanged) the altitude. Speeds and angles are relative to the
rotating Earth (frame F), angles from the local horizontal of the geocentric
radius.
"""

from __future__ import annotations

import numpy as np

from tracklayer.threats.batch import R_BO_X, R_T_BURNOUT, Lattice, fly_batch
from tracklayer.threats.dynamics import altitude_numpy
from tracklayer.threats.mission import Controls, Mission, Rocket, launch_batch
from tracklayer.threats.presets import BOOSTERS
from tracklayer.threats.solve import newton

KICK_SCAN_RAD = np.radians(np.linspace(0.5, 58.0, 24))
"""Pitch-over angles flown to find a first guess."""
KICK_BOUNDS_RAD = (np.radians(0.05), np.radians(62.0))


def rocket_preset(name: str) -> Rocket:
    spec = BOOSTERS[name]
    return Rocket(tuple((float(a), float(b), float(c), float(d)) for a, b, c, d in spec["stages"]), float(spec["drag_area_m2"]))


def burnout_conditions(rec_or_states: np.ndarray, missions: list[Mission]) -> dict[str, np.ndarray]:
    """Speed (m/s), flight-path angle (rad), heading (rad) and altitude (m) of F-frame states (N, 6)."""
    r = rec_or_states[:, 0:3]
    v = rec_or_states[:, 3:6]
    rn = np.linalg.norm(r, axis=1)
    up = r / rn[:, None]
    speed = np.linalg.norm(v, axis=1)
    gamma = np.arcsin(np.clip(np.sum(v * up, axis=1) / speed, -1.0, 1.0))
    east = np.stack([-up[:, 1], up[:, 0], np.zeros(len(r))], axis=1)
    east /= np.linalg.norm(east, axis=1, keepdims=True)
    north = np.cross(up, east)
    heading = np.arctan2(np.sum(v * east, axis=1), np.sum(v * north, axis=1))
    sphere = np.array([6371008.8 if m.spherical else 0.0 for m in missions])
    alt = altitude_numpy(r[:, 0], r[:, 1], r[:, 2], sphere)
    return {"speed": speed, "gamma": gamma, "heading": heading, "alt": alt}


def fly_boosts(missions: list[Mission], controls: Controls, lattice: Lattice, history: bool = False):
    """Fly the boosts only; returns burnout states (N, 6) in F (and the (K, N, 6) history)."""
    batch = launch_batch(missions, controls, lattice)
    t_end = max(m.t_launch_s + m.booster.burn_time_s * b for m, b in zip(missions, controls.burn_scale)) + 2 * lattice.step_s
    if history:
        k0 = int(np.floor(min(m.t_launch_s for m in missions) / lattice.step_s))
        n_out = int(np.ceil(t_end / lattice.step_s)) - k0 + 1
        out = np.full((n_out, len(missions), 6), np.nan)
        phase = np.full((n_out, len(missions)), -1, dtype=np.int8)
        fly_batch(batch, lattice, t_end, k0, n_out, out, phase)
        return batch.rec[:, R_BO_X:R_BO_X + 6].copy(), (k0, out, phase)
    fly_batch(batch, lattice, t_end)
    assert np.all(np.isfinite(batch.rec[:, R_T_BURNOUT]))
    return batch.rec[:, R_BO_X:R_BO_X + 6].copy()


def scan_kicks(missions: list[Mission], azimuth: np.ndarray, burn_scale: np.ndarray, lattice: Lattice):
    """Full-burn boosts of every mission over `KICK_SCAN_RAD`: (k0, history (K, n_kick, N, 6), phase)."""
    n, nk = len(missions), KICK_SCAN_RAD.size
    ms = [m for m in missions for _ in range(nk)]
    c = Controls(np.repeat(azimuth, nk), np.tile(KICK_SCAN_RAD, n), np.full(n * nk, np.inf), np.repeat(burn_scale, nk))
    _, (k0, out, phase) = fly_boosts(ms, c, lattice, history=True)
    return k0, out.reshape(out.shape[0], n, nk, 6).transpose(0, 2, 1, 3), phase.reshape(-1, n, nk).transpose(0, 2, 1)


def first_guess_speed_gamma(
    missions: list[Mission], azimuth: np.ndarray, burn_scale: np.ndarray, speed: np.ndarray, gamma: np.ndarray, lattice: Lattice
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pitch-over angle and cut-off (s after launch) that roughly give burnout ``speed`` at
    ``gamma``, and the largest speed reachable at that angle (full burn)."""
    k0, hist, phase = scan_kicks(missions, azimuth, burn_scale, lattice)
    kick = np.full(len(missions), np.nan)
    cutoff = np.full(len(missions), np.nan)
    vmax = np.zeros(len(missions))
    t = (k0 + np.arange(hist.shape[0])) * lattice.step_s
    for i, m in enumerate(missions):
        g_at = np.full(KICK_SCAN_RAD.size, np.nan)
        t_at = np.full(KICK_SCAN_RAD.size, np.nan)
        g_full = np.full(KICK_SCAN_RAD.size, np.nan)
        v_full = np.full(KICK_SCAN_RAD.size, np.nan)
        for j in range(KICK_SCAN_RAD.size):
            h = hist[:, j, i]
            boosting = phase[:, j, i] == 0
            ok = boosting & np.isfinite(h[:, 0])
            if not ok.any():
                continue
            cond = burnout_conditions(h[ok], [m] * int(ok.sum()))
            g_full[j], v_full[j] = cond["gamma"][-1], cond["speed"][-1]
            if cond["alt"].min() < -1.0:
                g_full[j] = v_full[j] = np.nan
                continue
            above = np.nonzero(cond["speed"] >= speed[i])[0]
            if above.size and above[0] > 0:
                a = above[0]
                w = (speed[i] - cond["speed"][a - 1]) / (cond["speed"][a] - cond["speed"][a - 1])
                tt = t[ok]
                t_at[j] = tt[a - 1] + w * (tt[a] - tt[a - 1]) - m.t_launch_s
                g_at[j] = cond["gamma"][a - 1] + w * (cond["gamma"][a] - cond["gamma"][a - 1])
        kick[i], cutoff[i] = interpolate_crossing(g_at, gamma[i], KICK_SCAN_RAD, t_at)
        vm = interpolate_crossing(g_full, gamma[i], KICK_SCAN_RAD, v_full)[1]
        vmax[i] = vm if np.isfinite(vm) else np.nanmax(np.where(g_full >= gamma[i], v_full, np.nan), initial=0.0)
    return kick, cutoff, vmax


def interpolate_crossing(values: np.ndarray, target: float, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Where ``values`` (decreasing in x) cross ``target``: interpolated x and y (NaN if never)."""
    good = np.isfinite(values) & np.isfinite(y)
    xs, vs, ys = x[good], values[good], y[good]
    for a in range(xs.size - 1):
        if (vs[a] - target) * (vs[a + 1] - target) <= 0.0 and vs[a] != vs[a + 1]:
            w = (vs[a] - target) / (vs[a] - vs[a + 1])
            return xs[a] + w * (xs[a + 1] - xs[a]), ys[a] + w * (ys[a + 1] - ys[a])
    return np.nan, np.nan


def solve_boost(
    missions: list[Mission],
    azimuth: np.ndarray,
    speed: np.ndarray,
    gamma: np.ndarray,
    altitude: np.ndarray | None,
    burn_scale: np.ndarray,
    lattice: Lattice,
    start: Controls | None = None,
) -> tuple[Controls, np.ndarray, dict[str, np.ndarray]]:
    """Controls that hit burnout ``speed`` (m/s) and ``gamma`` (rad), and ``altitude`` (m,
    where finite) by also scaling the burn time. Returns controls, converged (N,) and
    the burnout conditions reached."""
    want_alt = altitude is not None and np.any(np.isfinite(altitude))
    if start is None:
        kick, cutoff, _ = first_guess_speed_gamma(missions, azimuth, burn_scale, speed, gamma, lattice)
        kick = np.where(np.isfinite(kick), kick, np.radians(30.0))
        cutoff = np.where(np.isfinite(cutoff), cutoff, [m.booster.burn_time_s for m in missions])
        start = Controls(azimuth.copy(), kick, cutoff, burn_scale.copy())
    burn = np.array([m.booster.burn_time_s for m in missions])

    def residual(idx: np.ndarray, u: np.ndarray) -> np.ndarray:
        ms = [missions[i] for i in idx]
        scale = u[:, 2] if want_alt else burn_scale[idx]
        c = Controls(azimuth[idx], u[:, 0], u[:, 1] * scale, scale)
        cond = burnout_conditions(fly_boosts(ms, c, lattice), ms)
        res = [cond["speed"] - speed[idx], cond["gamma"] - gamma[idx]]
        if want_alt and altitude is not None:  # rows without an altitude keep their burn-time scale
            res.append(np.where(np.isfinite(altitude[idx]), cond["alt"] - altitude[idx], (scale - burn_scale[idx]) * 1e6))
        return np.stack(res, axis=1)

    # unknown 1 is the cut-off as a fraction-free time at unit burn scale
    u0 = [start.kick_rad, start.cutoff_s / start.burn_scale]
    lo, hi = [KICK_BOUNDS_RAD[0], 1.0], [KICK_BOUNDS_RAD[1], burn.max()]
    fd, tol, step = [1e-5, 1e-3], [0.01, 1e-5], [np.radians(5.0), 15.0]
    if want_alt:
        u0.append(start.burn_scale)
        lo.append(0.4)
        hi.append(2.5)
        fd.append(1e-5)
        tol.append(1.0)
        step.append(0.15)
    u, f, ok = newton(residual, np.stack(u0, axis=1), np.array(lo), np.array(hi), np.array(fd), np.array(tol), np.array(step))
    u[:, 1] = np.minimum(u[:, 1], burn)
    scale = u[:, 2] if want_alt else burn_scale
    controls = Controls(azimuth.copy(), u[:, 0], u[:, 1] * scale, scale.copy())
    return controls, ok, {"speed": f[:, 0] + speed, "gamma": f[:, 1] + gamma}
