"""tracklayer's tracker side by side with Stone Soup on the same seeded scenarios.

Prints one JSON object: for each tracker class (Kalman filter + GNN, Kalman filter +
JPDA) the wall time, measurements per second, per-scan latency and peak memory of
tracklayer and of Stone Soup (its standard set-up and its fastest), and OSPA/GOSPA of
both computed by the same metric code (the Stone Soup benchmark script's
``--score-tracks``).

    python benchmarks/bench_stonesoup.py --targets 100 --clutter 10 --scans 150 --seed 1 \\
        [--trackers gnn,jpda] [--stonesoup standard,fastest] [--repeat 3] [--metrics stonesoup]

    python benchmarks/bench_stonesoup.py --growth --scans 30   # tracklayer only: time vs targets x clutter

Needs a Python with Stone Soup (``--stonesoup-python`` or ``$TRACKLAYER_STONESOUP_PYTHON``,
default ``venvs/stonesoup/bin/python`` beside the repository: ``python -m venv
../venvs/stonesoup && ../venvs/stonesoup/bin/pip install stonesoup``) and the Stone Soup
benchmark script ``stonesoup_bench.py`` (``--stonesoup-bench`` or
``$TRACKLAYER_STONESOUP_BENCH``, default ``shared/bench/stonesoup/`` beside the
repository), which generates the scenario files, runs Stone Soup and scores tracks. Stone Soup is never
imported by tracklayer. Each tracker runs in its own process so peak memory (ru_maxrss)
is comparable; tracklayer's time excludes numba compilation (a warm-up run on the first
scans) and is the median of ``--repeat`` runs.

The tracklayer set-up mirrors Stone Soup's: nearly-constant-velocity Kalman filter with
the true q and R, Mahalanobis gate 4 (GNN cost: plain Mahalanobis distance, missed
distance 4), one-point initiation with zero velocity and sigma 200 m/s, tentative
tracks associated by GNN to what the confirmed tracks left, confirmation after 3
updates, deletion after 2 (tentative) and 5 (confirmed) missed scans, confirmed tracks
reported with their tentative history and coasting predictions; JPDA with Pd and the
clutter density of the scenario.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_BESIDE = Path(__file__).resolve().parents[2]  # the folder that holds the repository
SS_PY = os.environ.get("TRACKLAYER_STONESOUP_PYTHON", str(_BESIDE / "venvs" / "stonesoup" / "bin" / "python"))
SS_BENCH = os.environ.get("TRACKLAYER_STONESOUP_BENCH", str(_BESIDE / "shared" / "bench" / "stonesoup" / "stonesoup_bench.py"))
VARIANTS = {"standard": ["--gating", "all", "--transition", "combined"], "fastest": ["--gating", "kdtree", "--transition", "matrix"]}


def load_npz(path: str) -> dict:
    with np.load(path, allow_pickle=False) as z:
        sc = {k: z[k] for k in z.files}
    sc["meta"] = json.loads(str(sc.pop("meta_json")))
    return sc


def tracker_config(meta: dict, association: str, gate: float = 4.0):
    """The tracklayer configuration that mirrors the Stone Soup benchmark's trackers."""
    from scipy.stats import chi2

    from tracklayer.tracking.config import TrackerConfig
    from tracklayer.tracking.filters import EKF
    from tracklayer.tracking.imm import IMM
    from tracklayer.tracking.management import Management
    from tracklayer.tracking.measurement_models import POSITION
    from tracklayer.tracking.motion_models import ConstantVelocity

    return TrackerConfig(
        estimator=IMM((ConstantVelocity(meta["q"]),), EKF()),
        gate_probability=float(chi2.cdf(gate**2, 3)),
        association=association,
        gnn_cost="distance",
        pd=meta["pd"],
        clutter_density={POSITION: max(meta["clutter"], 1e-3) / meta["volume_m3"]},
        management=Management(
            confirm_hits=3, confirm_window_s=np.inf, tentative_coast_s=2 * meta["dt"], coast_limit_s=5 * meta["dt"],
            max_position_sigma_m=np.inf, min_altitude_m=None, duplicate_gate=None,
        ),
        init_velocity_sigma_m_s=200.0,
        single_sensor=None,
    )


def detections_table(sc: dict, scans: int | None = None):
    from tracklayer.table import Table
    from tracklayer.tracking.measurement_models import POSITION

    n = int(sc["det_offsets"][scans]) if scans is not None else sc["det_pos"].shape[0]
    return Table({
        "t_s": sc["scan_times"][sc["det_scan"][:n]],
        "sensor_id": np.zeros(n, np.int32),
        "kind": np.full(n, POSITION, np.int8),
        "z": sc["det_pos"][:n],
        "R": np.broadcast_to(sc["meas_cov"], (n, 3, 3)),
        "sensor_r_eci_m": np.zeros((n, 3)),
    })


def tracks_file(tracks, scan_times: np.ndarray) -> dict:
    """Rows of every track that was ever confirmed, with its tentative history, in the
    Stone Soup benchmark's tracks-file layout."""
    from tracklayer.tracking import CONFIRMED

    ever = np.unique(tracks["track_id"][tracks["status"] == CONFIRMED])
    rows = np.isin(tracks["track_id"], ever)
    return {
        "track_id": tracks["track_id"][rows].astype(np.int32),
        "track_scan": np.searchsorted(scan_times, tracks["t_s"][rows]).astype(np.int32),
        "track_pos": tracks["x"][rows, :3],
        "track_vel": tracks["x"][rows, 3:6],
        "track_is_update": (tracks["last_update_t_s"][rows] == tracks["t_s"][rows]).astype(np.int8),
    }


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_tracklayer(scenario: str, association: str, repeat: int, tracks_out: str | None) -> dict:
    """Run tracklayer on a scenario file (in this process); timing and memory."""
    import tracklayer
    from tracklayer.kernels import engine
    from tracklayer.tracking.tracker import Tracker

    sc = load_npz(scenario)
    meta = sc["meta"]
    tracker = Tracker(tracker_config(meta, association))
    det = detections_table(sc)
    warm = min(20, len(sc["scan_times"]))
    tracker.run(detections_table(sc, warm), sc["scan_times"][:warm])  # numba compilation, imports
    rss_before = rss_mib()
    samples, cpu, latency = [], [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        stamps = [t0]
        tracks, _ = tracker.run(det, sc["scan_times"], progress=lambda d, n: stamps.append(time.perf_counter()))  # noqa: B023 (this run's)
        samples.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        latency.append(np.diff(stamps))
    per_scan = np.median(np.array(latency), axis=0) * 1e3
    if tracks_out:
        np.savez_compressed(tracks_out, meta_json=np.array(json.dumps({"tool": "tracklayer", "version": tracklayer.__version__})), **tracks_file(tracks, sc["scan_times"]))
    med = statistics.median(samples)
    n_det = det.num_rows
    return {
        "tool": "tracklayer", "engine": engine(), "association": association,
        "track_s_median": med, "track_s_samples": samples, "track_cpu_s_median": statistics.median(cpu),
        "meas_per_s": n_det / med, "scans_per_s": len(sc["scan_times"]) / med,
        "per_scan_ms_mean": 1e3 * med / len(sc["scan_times"]), "per_scan_ms_median": float(np.median(per_scan)),
        "per_scan_ms_p95": float(np.percentile(per_scan, 95)), "per_scan_ms_max": float(per_scan.max()),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_before_track_mib": rss_before,
        "n_rows": tracks.num_rows, "n_tracks_confirmed": int(np.unique(tracks["track_id"][tracks["status"] == 1]).size),
    }


def _json_tail(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def _call(cmd: list[str], timeout: float | None = None) -> dict:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stderr[-2000:]}")
    return _json_tail(res.stdout)


def score(args, scenario: str, tracks: str) -> dict:
    cmd = [args.stonesoup_python, args.stonesoup_bench, "--scenario-in", scenario, "--score-tracks", tracks,
           "--metrics", args.metrics, "--ospa-c", str(args.ospa_c)]
    return _call(cmd)["quality"]


def compare(args) -> dict:
    work = Path(args.workdir or tempfile.mkdtemp(prefix="tl-ss-"))
    work.mkdir(parents=True, exist_ok=True)
    scen = str(work / "scenario.npz")
    gen = [args.stonesoup_python, args.stonesoup_bench, "--targets", str(args.targets), "--scans", str(args.scans),
           "--clutter", str(args.clutter), "--seed", str(args.seed), "--generate-only", "--scenario-out", scen] + args.scenario_args
    summary = _call(gen)["scenario"]
    out = {"scenario": summary, "runs": {}}
    for assoc in args.trackers:
        entry = {}
        tl_tracks = str(work / f"tracklayer-{assoc}.npz")
        entry["tracklayer"] = _call([sys.executable, __file__, "--run-tracklayer", scen, "--association", assoc,
                                     "--repeat", str(args.repeat), "--tracks-out", tl_tracks])
        entry["tracklayer"]["quality"] = score(args, scen, tl_tracks)
        for variant in args.stonesoup:
            ss_tracks = str(work / f"stonesoup-{assoc}-{variant}.npz")
            cmd = [args.stonesoup_python, args.stonesoup_bench, "--scenario-in", scen, "--tracker", assoc, "--metrics", "none",
                   "--repeat", str(args.ss_repeat), "--tracks-out", ss_tracks] + VARIANTS[variant] + args.tracker_args
            if args.max_seconds:
                cmd += ["--max-seconds", str(args.max_seconds)]
            ss = _call(cmd)
            timing = ss["timing"]
            rec = {"track_s_median": timing["track_s_median"], "track_cpu_s_median": timing["track_cpu_s_median"],
                   "meas_per_s": timing["meas_per_s"], "per_scan_ms_median": timing["per_scan_ms_median"],
                   "timed_out": timing["timed_out"], "scans_done": timing["scans_done"],
                   "peak_rss_mib": ss["memory"]["peak_rss_after_track_mib"], "version": ss["versions"]["stonesoup"]}
            if not timing["timed_out"]:
                rec["quality"] = score(args, scen, ss_tracks)
                q_tl, q_ss = entry["tracklayer"]["quality"], rec["quality"]
                rec["ospa_tracklayer_minus_stonesoup_pct"] = 100.0 * (q_tl["ospa_numpy_mean"] / q_ss["ospa_numpy_mean"] - 1.0)
            rec["speedup_meas_per_s"] = entry["tracklayer"]["meas_per_s"] / timing["meas_per_s"]
            entry[f"stonesoup_{variant}"] = rec
        out["runs"][assoc] = entry
    return out


def growth(args) -> dict:
    """tracklayer alone: time per scan against targets and clutter."""
    work = Path(args.workdir or tempfile.mkdtemp(prefix="tl-growth-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for targets in args.growth_targets:
        for clutter in args.growth_clutter:
            scen = str(work / f"g-{targets}-{clutter}.npz")
            _call([args.stonesoup_python, args.stonesoup_bench, "--targets", str(targets), "--scans", str(args.scans),
                   "--clutter", str(clutter), "--seed", str(args.seed), "--generate-only", "--scenario-out", scen])
            for assoc in args.trackers:
                r = _call([sys.executable, __file__, "--run-tracklayer", scen, "--association", assoc, "--repeat", str(args.repeat)])
                meta = load_npz(scen)["meta"]
                rows.append({"targets": targets, "clutter": clutter, "association": assoc, "detections": meta["n_detections"],
                             "per_scan_ms": r["per_scan_ms_mean"], "per_scan_ms_p95": r["per_scan_ms_p95"],
                             "per_scan_cpu_ms": 1e3 * r["track_cpu_s_median"] / args.scans,
                             "meas_per_s": r["meas_per_s"], "peak_rss_mib": r["peak_rss_mib"]})
    return {"scans": args.scans, "growth": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--targets", type=int, default=100)
    ap.add_argument("--clutter", type=float, default=10.0)
    ap.add_argument("--scans", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trackers", type=lambda s: s.split(","), default=["gnn", "jpda"])
    ap.add_argument("--stonesoup", type=lambda s: [v for v in s.split(",") if v], default=["standard", "fastest"])
    ap.add_argument("--repeat", type=int, default=3, help="tracklayer repetitions (median)")
    ap.add_argument("--ss-repeat", type=int, default=1, help="Stone Soup repetitions (median)")
    ap.add_argument("--max-seconds", type=float, default=None, help="abort a Stone Soup pass after this long")
    ap.add_argument("--metrics", choices=["stonesoup", "numpy"], default="numpy", help="scoring code (the same for both)")
    ap.add_argument("--ospa-c", type=float, default=500.0)
    ap.add_argument("--scenario-args", type=lambda s: s.split(), default=[], help="extra generator options, e.g. '--sigma 500'")
    ap.add_argument("--tracker-args", type=lambda s: s.split(), default=[], help="extra Stone Soup tracker options, e.g. '--kd-radius 6000'")
    ap.add_argument("--workdir")
    ap.add_argument("--stonesoup-python", default=SS_PY)
    ap.add_argument("--stonesoup-bench", default=SS_BENCH)
    ap.add_argument("--growth", action="store_true")
    ap.add_argument("--growth-targets", type=lambda s: [int(v) for v in s.split(",")], default=[100, 300, 1000, 3000])
    ap.add_argument("--growth-clutter", type=lambda s: [float(v) for v in s.split(",")], default=[10, 100, 1000])
    ap.add_argument("--run-tracklayer", metavar="SCENARIO", help=argparse.SUPPRESS)
    ap.add_argument("--association", default="gnn", help=argparse.SUPPRESS)
    ap.add_argument("--tracks-out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.run_tracklayer:
        for flag, path in (("--stonesoup-python", args.stonesoup_python), ("--stonesoup-bench", args.stonesoup_bench)):
            if not Path(path).is_file():
                ap.error(f"{flag} {path}: no such file (set-up in this script's docstring)")
    if args.run_tracklayer:
        res = run_tracklayer(args.run_tracklayer, args.association, args.repeat, args.tracks_out)
    elif args.growth:
        res = growth(args)
    else:
        res = compare(args)
    res["load_avg_1m"] = os.getloadavg()[0]
    print(json.dumps(res, default=float))


if __name__ == "__main__":
    main()
