"""Hypersonic glide: equilibrium-glide closed forms and the glide targeting solver.

Equilibrium glide (Candler & Leyva 2022, Eq. 4; DOMAIN.md Sec. 2): lift balances
gravity less the centrifugal term, L/m = g - v^2/r, so at maximum L/D

    rho_eq = (2 beta / (L/D)) (g/v^2 - 1/r),

and with constant L/D, v_c = sqrt(g R), the range and time from v_0 to v_f are

    s = (R/2) (L/D) ln[(1 - v_f^2/v_c^2) / (1 - v_0^2/v_c^2)]
    t = (L/D) (R / (2 v_c)) ln[((v_c + v_0)(v_c - v_f)) / ((v_c - v_0)(v_c + v_f))].

Targeting (`target_glide`): heading is the guidance's job (great circle to the
next waypoint or the aim); range is set by the burnout speed. The solver finds, by
a bracketed secant (Illinois) iteration on whole flights, the burnout speed at
which the vehicle reaches the start of its terminal dive with the dive speed
(``Mission.dive_speed_m_s``); the boost solver turns each trial speed into rocket
controls at the asked burnout angle (and altitude).
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import G0_M_S2, MU_EARTH_M3_S2, R_EARTH_MEAN_M
from tracklayer.earth.frames import great_circle
from tracklayer.threats.batch import R_END_X, R_LANDED, R_SLOW_ALT, R_SLOW_RANGE, R_T_DIVE, R_T_SLOW, R_V_DIVE, Lattice, fly_batch
from tracklayer.threats.boost import first_guess_speed_gamma, solve_boost
from tracklayer.threats.mission import Controls, Mission, launch_batch

V_CIRCULAR_M_S = float(np.sqrt(G0_M_S2 * R_EARTH_MEAN_M))
"""sqrt(g R) with standard gravity and the mean Earth radius, m/s."""

LOW_BRACKET_TRIES = 4
"""Times the slow end of the burnout-speed bracket is moved half way up when the booster
cannot give it (at the asked burnout angle and altitude)."""


def equilibrium_density(speed_m_s: float | np.ndarray, beta_kg_m2: float, lift_to_drag: float,
                        radius_m: float | np.ndarray = R_EARTH_MEAN_M) -> np.ndarray:
    """rho_eq = (2 beta/(L/D)) (g/v^2 - 1/r), g = mu/r^2 (kg/m^3)."""
    g = MU_EARTH_M3_S2 / np.asarray(radius_m) ** 2
    return 2.0 * beta_kg_m2 / lift_to_drag * (g / np.asarray(speed_m_s) ** 2 - 1.0 / np.asarray(radius_m))


def glide_range_m(v0_m_s: float | np.ndarray, vf_m_s: float | np.ndarray, lift_to_drag: float | np.ndarray) -> np.ndarray:
    """Closed-form equilibrium-glide range from v0 to vf at constant L/D, m."""
    vc2 = V_CIRCULAR_M_S**2
    return R_EARTH_MEAN_M / 2.0 * lift_to_drag * np.log((1.0 - np.asarray(vf_m_s) ** 2 / vc2) / (1.0 - np.asarray(v0_m_s) ** 2 / vc2))


def glide_time_s(v0_m_s: np.ndarray, vf_m_s: np.ndarray, lift_to_drag: np.ndarray) -> np.ndarray:
    """Closed-form equilibrium-glide time from v0 to vf at constant L/D, s."""
    vc, v0, vf = V_CIRCULAR_M_S, np.asarray(v0_m_s), np.asarray(vf_m_s)
    return lift_to_drag * R_EARTH_MEAN_M / (2.0 * vc) * np.log(((vc + v0) * (vc - vf)) / ((vc - v0) * (vc + vf)))


def fly_records(missions: list[Mission], controls: Controls, lattice: Lattice) -> np.ndarray:
    """Records (N, N_REC) of whole flights."""
    batch = launch_batch(missions, controls, lattice)
    fly_batch(batch, lattice, max(m.t_launch_s + m.max_flight_s for m in missions) + lattice.step_s)
    return batch.rec


def range_surplus_m(missions: list[Mission], rec: np.ndarray) -> np.ndarray:
    """How far (m) past the dive point the vehicle could glide before slowing to its dive
    speed (positive), or how far short of the dive point it slowed to it (negative).

    A vehicle that starts its dive has the closed-form range from its speed at the dive
    down to the dive speed to spare; one that comes down beyond the aim without diving
    (an exo-atmospheric arc past it) is long by its miss; otherwise it is short by the
    distance from where it slowed to the dive speed (or came down) to the dive point.
    """
    from tracklayer.threats.ballistic import impact_miss

    out = np.empty(len(missions))
    for i, m in enumerate(missions):
        down, cross = impact_miss(rec[i:i + 1, R_END_X:R_END_X + 3], m.aim_f[None], m.launch_f[None])
        if np.isfinite(rec[i, R_T_DIVE]):
            out[i] = glide_range_m(rec[i, R_V_DIVE], m.dive_speed_m_s, m.lift_to_drag)
        elif not rec[i, R_LANDED]:
            out[i] = np.inf  # still flying at the end of the flight time: far too fast
        elif down[0] > 0:
            out[i] = float(np.hypot(down[0], cross[0]))
        elif np.isfinite(rec[i, R_T_SLOW]):
            out[i] = rec[i, R_SLOW_ALT] / np.tan(m.dive_angle_rad) - rec[i, R_SLOW_RANGE]
        else:
            out[i] = -float(np.hypot(down[0], cross[0]))
    return out


def ground_range_m(m: Mission) -> float:
    angle, _ = great_circle(m.launch_lat, m.launch_lon, m.aim_lat, m.aim_lon)
    return float(angle) * R_EARTH_MEAN_M


def target_glide(
    missions: list[Mission],
    gamma_rad: np.ndarray,
    altitude_m: np.ndarray,
    burn_scale: np.ndarray,
    speed_m_s: np.ndarray,
    lattice: Lattice,
    range_tol_m: float = 2000.0,
    max_iter: int = 14,
):
    """Rocket controls for each glide mission.

    Parameters
    ----------
    gamma_rad, altitude_m : burnout flight-path angle and altitude (NaN: not asked)
    burn_scale : burn-time scale when no altitude is asked
    speed_m_s : burnout speed (NaN: solve it from the range)

    Returns
    -------
    controls, burnout speed (N,), range surplus (N,) m at the solution, largest
    burnout speed the booster reaches at the asked angle (N,), and the range surplus
    at that speed (N,).
    """
    n = len(missions)
    az = np.array([great_circle(m.launch_lat, m.launch_lon, m.aim_lat, m.aim_lon)[1] for m in missions], dtype=np.float64)
    alt = altitude_m if np.any(np.isfinite(altitude_m)) else None
    guess = np.full(n, 5000.0)
    _, _, vmax = first_guess_speed_gamma(missions, az, burn_scale, guess, gamma_rad, lattice)
    vmax = np.where(vmax > 0, vmax - 1.0, np.nan)

    def trial(rows: np.ndarray, speed: np.ndarray, start: Controls | None):
        ms = [missions[i] for i in rows]
        c, ok, _ = solve_boost(ms, az[rows], speed, gamma_rad[rows], None if alt is None else alt[rows], burn_scale[rows].copy(), lattice, start)
        surplus = range_surplus_m(ms, fly_records(ms, c, lattice))
        return c, np.where(ok, surplus, np.nan)

    fixed = np.isfinite(speed_m_s)
    speed = np.where(fixed, speed_m_s, vmax)
    controls, surplus = trial(np.arange(n), speed, None)
    surplus_at_max = np.where(fixed, np.nan, surplus)
    solve = np.nonzero(~fixed & np.isfinite(surplus) & (surplus > 0))[0]
    if solve.size:
        hi, f_hi = speed[solve].copy(), surplus[solve].copy()
        lo = np.maximum(np.array([missions[i].dive_speed_m_s for i in solve]) + 200.0, 0.35 * hi)
        c_lo, f_lo = trial(solve, lo, None)
        for _ in range(LOW_BRACKET_TRIES):  # the booster cannot give the slow end (e.g. at an asked altitude): halve toward hi
            bad = np.nonzero(~np.isfinite(f_lo))[0]
            if not bad.size:
                break
            lo[bad] = 0.5 * (lo[bad] + hi[bad])
            c_b, f_lo[bad] = trial(solve[bad], lo[bad], None)
            for name in ("azimuth_rad", "kick_rad", "cutoff_s", "burn_scale"):
                getattr(c_lo, name)[bad] = getattr(c_b, name)
        best_c = controls.take(solve)
        best_v, best_f = hi.copy(), f_hi.copy()
        low_enough = f_lo >= 0  # even the slow end overshoots: fly it
        best_v[low_enough], best_f[low_enough] = lo[low_enough], f_lo[low_enough]
        for name in ("azimuth_rad", "kick_rad", "cutoff_s", "burn_scale"):
            getattr(best_c, name)[low_enough] = getattr(c_lo, name)[low_enough]
        active = ~low_enough & np.isfinite(f_lo)
        side = np.zeros(solve.size)
        for _ in range(max_iter):
            act = np.nonzero(active & (np.abs(best_f) > range_tol_m))[0]
            if not act.size:
                break
            v_new = hi[act] - f_hi[act] * (hi[act] - lo[act]) / (f_hi[act] - f_lo[act])
            c_new, f_new = trial(solve[act], v_new, best_c.take(act))
            for k, a in enumerate(act):
                best_v[a], best_f[a] = v_new[k], f_new[k]
                for name in ("azimuth_rad", "kick_rad", "cutoff_s", "burn_scale"):
                    getattr(best_c, name)[a] = getattr(c_new, name)[k]
                if not np.isfinite(f_new[k]):
                    active[a] = False
                elif f_new[k] > 0:
                    hi[a], f_hi[a] = v_new[k], f_new[k]
                    if side[a] > 0:
                        f_lo[a] *= 0.5
                    side[a] = 1
                else:
                    lo[a], f_lo[a] = v_new[k], f_new[k]
                    if side[a] < 0:
                        f_hi[a] *= 0.5
                    side[a] = -1
        for name in ("azimuth_rad", "kick_rad", "cutoff_s", "burn_scale"):
            getattr(controls, name)[solve] = getattr(best_c, name)
        speed[solve], surplus[solve] = best_v, best_f
    return controls, speed, surplus, vmax, surplus_at_max
