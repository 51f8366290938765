"""Benchmark: batched threat flight (numba kernel and NumPy reference) against solve_ivp.

Prints one JSON object:

* ``kernel``: trajectories per second flying 1, 100 and 10,000 HGVs (tw2020 on the
  intercontinental booster, ~30-minute flights, boost to impact) with positions and
  velocities written at every 1 s grid step, in row chunks (memory capped: only one
  chunk's outputs live at a time) on ``--threads`` threads; median of ``--repeat`` runs
  after a warm-up that pays numba's compilation;
* ``numpy_reference``: the same for 1 and 100 HGVs with the NumPy reference engine;
* ``solve_ivp``: the post-burnout flight (glide and dive, ~27 min) of the same vehicle
  integrated by ``scipy.integrate.solve_ivp`` (DOP853) on the same equations (the NumPy
  reference's right-hand side, the dive start and the impact as events), at the loosest
  tolerance whose impact-point error (against DOP853 at rtol 1e-12) is no larger than
  the kernel's (1 s RK4 against 1/16 s RK4); seconds per trajectory of both, and their ratio;
* peak resident memory of the process.

    python benchmarks/bench_threats.py [--repeat N] [--threads K] [--chunk ROWS]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np


def _setup():
    from tracklayer.earth.constants import DEG
    from tracklayer.threats import aero
    from tracklayer.threats.batch import GUIDE_GLIDE, Lattice
    from tracklayer.threats.boost import rocket_preset
    from tracklayer.threats.glide import target_glide
    from tracklayer.threats.mission import Mission

    rows, s = aero.polar_from_beta(1000.0, 13000.0, 2.6)
    m = Mission(41.0 * DEG, 90.5 * DEG, 13.58 * DEG, 144.92 * DEG, 0.0, rocket_preset("hgv-intercontinental"), 1000.0, rows, s,
                GUIDE_GLIDE)
    lattice = Lattice(1.0, 1)
    controls, *_ = target_glide([m], np.array([8.0 * DEG]), np.array([np.nan]), np.ones(1), np.array([np.nan]), lattice)
    return m, controls, lattice


def _population(m, controls, n: int):
    """n copies with launch times and azimuths spread (deterministic), so rows differ."""
    from dataclasses import replace

    from tracklayer.threats.mission import Controls

    k = np.arange(n)
    missions = [replace(m, t_launch_s=float(t)) for t in (k % 60)]
    c = Controls(controls.azimuth_rad[0] + 1e-3 * ((k % 21) - 10), np.full(n, controls.kick_rad[0]), np.full(n, controls.cutoff_s[0]),
                 np.ones(n))
    return missions, c


def _fly(missions, controls, lattice, chunk: int, threads: int, t_end: float) -> float:
    from tracklayer.threats.batch import fly_batch
    from tracklayer.threats.mission import launch_batch

    n_out = int(t_end) + 1
    start = time.perf_counter()
    for i0 in range(0, len(missions), chunk):
        ms = missions[i0:i0 + chunk]
        sub = controls.take(np.arange(i0, min(i0 + chunk, len(missions))))
        batch = launch_batch(ms, sub, lattice)
        out = np.full((n_out, len(ms), 6), np.nan)
        phase = np.full((n_out, len(ms)), -1, dtype=np.int8)
        fly_batch(batch, lattice, t_end, 0, n_out, out, phase, threads=threads, rows_per_task=max(1, len(ms) // (2 * threads)))
        fly_batch(batch, lattice, 4 * 3600.0, threads=threads)
    return time.perf_counter() - start


def _use_engine(name: str) -> None:
    from tracklayer.kernels import engine

    os.environ["TRACKLAYER_ENGINE"] = name
    engine.cache_clear()


def _impact_kernel(m, r0, v0, t0, n_sub: int) -> tuple[np.ndarray, float, float]:
    from tracklayer.threats.batch import R_END_X, R_T_END, Lattice, fly_batch
    from tracklayer.threats.mission import state_batch

    lattice = Lattice(1.0, n_sub)
    start = time.perf_counter()
    b = state_batch([m], r0[None], v0[None], np.array([t0]), lattice)
    fly_batch(b, lattice, t0 + 4 * 3600.0)
    return b.rec[0, R_END_X:R_END_X + 3].copy(), float(b.rec[0, R_T_END]), time.perf_counter() - start


def _impact_solve_ivp(m, r0, v0, t0, rtol: float) -> tuple[np.ndarray, float, float, int]:
    from scipy.integrate import solve_ivp

    from tracklayer.earth.atmosphere import flight_tables
    from tracklayer.threats.batch import GLIDE, P_DIVE_TAN, TERMINAL, Lattice
    from tracklayer.threats.dynamics import accel_numpy, altitude_numpy
    from tracklayer.threats.mission import state_batch

    b = state_batch([m], r0[None], v0[None], np.array([t0]), Lattice(1.0, 1))
    p, st, ae, wps = b.params, b.stages, b.aero, b.waypoints
    low, high = flight_tables()
    aim = m.aim_f
    an = np.linalg.norm(aim)
    zero = np.zeros(1, dtype=np.int64)
    evals = [0]

    def rhs(t, y, mode):
        evals[0] += 1
        a = accel_numpy(p, st, ae, wps, low, high, np.array([mode]), zero, np.array([t]), *(y[k:k + 1] for k in range(7)))
        return np.array([y[3], y[4], y[5], a[0][0], a[1][0], a[2][0], -a[3][0]])

    def alt(y):
        return altitude_numpy(y[0:1], y[1:2], y[2:3], np.zeros(1))[0]

    def dive(t, y, mode):
        u = y[:3] / np.linalg.norm(y[:3])
        return alt(y) - p[0, P_DIVE_TAN] * np.linalg.norm(aim / an - u) * an if alt(y) < 100e3 else -1e9

    def ground(t, y, mode):
        return alt(y) - m.aim_alt_m

    dive.terminal, dive.direction = True, 1
    ground.terminal, ground.direction = True, -1
    start = time.perf_counter()
    y = np.concatenate([r0, v0, [m.payload_kg]])
    with np.errstate(all="ignore"):
        sol = solve_ivp(rhs, (t0, t0 + 4 * 3600.0), y, method="DOP853", rtol=rtol, atol=rtol * 1e3, events=(dive, ground), args=(GLIDE,))
        if sol.status == 1 and sol.t_events[0].size:
            y = sol.y_events[0][0]
            sol = solve_ivp(rhs, (sol.t_events[0][0], t0 + 4 * 3600.0), y, method="DOP853", rtol=rtol, atol=rtol * 1e3,
                            events=(ground,), args=(TERMINAL,))
    return sol.y_events[-1][0][:3], float(sol.t_events[-1][0]), time.perf_counter() - start, evals[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=1000, help="rows flown (and outputs held) at a time")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 10000])
    args = parser.parse_args(argv)

    from tracklayer import __version__
    from tracklayer.threats.batch import R_BO_X, R_T_BURNOUT, R_T_END
    from tracklayer.threats.glide import fly_records

    _use_engine("numba")
    m, controls, lattice = _setup()
    rec = fly_records([m], controls, lattice)[0]
    flight_s = float(rec[R_T_END])
    t_end = flight_s + 61.0
    report: dict = {"benchmark": "threats", "tracklayer": __version__, "python": platform.python_version(), "cpu_count": os.cpu_count(),
                    "threads": args.threads, "chunk_rows": args.chunk, "repeat": args.repeat, "flight_s": round(flight_s, 1),
                    "output_step_s": 1.0}

    kernel = {}
    _fly(*_population(m, controls, 4), lattice, args.chunk, args.threads, t_end)  # warm-up / compile
    for n in args.sizes:
        missions, c = _population(m, controls, n)
        times = [_fly(missions, c, lattice, args.chunk, args.threads, t_end) for _ in range(args.repeat if n < 10000 else 1)]
        med = statistics.median(times)
        kernel[str(n)] = {"seconds": round(med, 4), "trajectories_per_s": round(n / med, 1)}
    report["kernel"] = kernel

    _use_engine("numpy")
    ref = {}
    for n in (1, 100):
        missions, c = _population(m, controls, n)
        sec = _fly(missions, c, lattice, args.chunk, 1, t_end)
        ref[str(n)] = {"seconds": round(sec, 3), "trajectories_per_s": round(n / sec, 2)}
    report["numpy_reference"] = ref
    _use_engine("numba")

    # solve_ivp on the same equations from the burnout state
    r0, v0, t0 = rec[R_BO_X:R_BO_X + 3], rec[R_BO_X + 3:R_BO_X + 6], float(rec[R_T_BURNOUT])
    truth_k, _, _ = _impact_kernel(m, r0, v0, t0, 16)
    k_imp, _, _ = _impact_kernel(m, r0, v0, t0, 1)
    kernel_err = float(np.linalg.norm(k_imp - truth_k))
    k_times = [_impact_kernel(m, r0, v0, t0, 1)[2] for _ in range(max(args.repeat, 5))]
    truth_s, _, _, _ = _impact_solve_ivp(m, r0, v0, t0, 1e-12)
    chosen = None
    for rtol in (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10):
        imp, _, sec, evals = _impact_solve_ivp(m, r0, v0, t0, rtol)
        err = float(np.linalg.norm(imp - truth_s))
        if err <= max(kernel_err, 1e-3):
            chosen = (rtol, err, sec, evals)
            break
    rtol, err, _, evals = chosen
    s_times = [_impact_solve_ivp(m, r0, v0, t0, rtol)[2] for _ in range(max(1, args.repeat))]
    per_kernel_batched = kernel[str(max(args.sizes))]["seconds"] / max(args.sizes)
    report["solve_ivp"] = {
        "segment": "burnout to impact",
        "kernel_impact_error_m": round(kernel_err, 4),
        "solve_ivp_rtol": rtol,
        "solve_ivp_impact_error_m": round(err, 4),
        "solve_ivp_rhs_evaluations": evals,
        "solve_ivp_s_per_trajectory": round(statistics.median(s_times), 4),
        "kernel_s_per_trajectory_single": round(statistics.median(k_times), 5),
        "kernel_s_per_trajectory_batched_whole_flight": round(per_kernel_batched, 6),
        "speedup_single": round(statistics.median(s_times) / statistics.median(k_times), 1),
        "speedup_batched": round(statistics.median(s_times) / per_kernel_batched, 1),
    }
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
