"""Benchmark: coverage figures of merit over the Indo-Pacific box (1-degree grid,
100E-180E, 10S-60N) for 24 h at 60 s steps with a 100-satellite Walker constellation
(10 planes x 10, 1,000 km, 80 deg, the ``wfov`` sensor preset).

Prints one JSON object: wall and CPU time (median of --repeat runs) with 1 and 2 worker
threads, for one reference target and for the default four, effective pair checks per
second (points x satellites x steps per target), the NumPy reference engine on a
1-hour slice for the ratio, the largest peak resident memory of a fresh process per
configuration, and the area-weighted summary.

    python benchmarks/bench_coverage.py [--repeat 3] [--hours 24]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
from tracklayer.metrics import coverage as cv
from tracklayer.scenario.loader import load_scenario
from tracklayer.scenario.schema import Scenario
cfg = json.loads(sys.argv[1])
d = load_scenario("indo-pacific").model_dump()
d["constellations"] = [{"name": "walker-100", "nation": "US",
                        "walker": {"planes": 10, "sats_per_plane": 10, "phasing": 1, "altitude_km": 1000.0, "inclination_deg": 80.0},
                        "sensor": {"preset": "wfov"}}]
scn = Scenario.model_validate(d)
targets = scn.coverage.targets[: cfg["targets"]]
if cfg["engine"] == "numpy":
    cv.engine = lambda: "numpy"
cv.compute_coverage(scn, duration_s=1800.0, step_s=60.0, targets=targets[:1], workers=cfg["workers"])  # load kernels
walls, cpus = [], []
for _ in range(cfg["repeat"]):
    c0, t0 = time.process_time(), time.perf_counter()
    res = cv.compute_coverage(scn, duration_s=cfg["hours"] * 3600.0, step_s=60.0, targets=targets, workers=cfg["workers"])
    walls.append(time.perf_counter() - t0)
    cpus.append(time.process_time() - c0)
s = cv.summary(res)
print(json.dumps({"walls": walls, "cpus": cpus, "steps": res.n_steps, "points": res.shape[0] * res.shape[1], "sats": res.n_satellites,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                  "summary": {k: (s[k].tolist()) for k in s}}))
"""


def run(cfg: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cfg)], check=True, capture_output=True, text=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    checks = res["points"] * res["sats"] * res["steps"] * cfg["targets"]
    wall, cpu = statistics.median(res["walls"]), statistics.median(res["cpus"])
    return {**cfg, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "pair_checks": checks,
            "checks_per_s_wall": round(checks / wall), "checks_per_s_cpu": round(checks / cpu),
            "peak_rss_mib": round(res["peak_rss_mib"], 1), "steps": res["steps"], "points": res["points"], "sats": res["sats"],
            "summary": res["summary"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--hours", type=float, default=24.0)
    args = ap.parse_args(argv)
    from tracklayer import __version__

    t0 = time.perf_counter()
    runs = []
    for targets in (1, 4):
        for workers in (1, 2):
            runs.append(run({"engine": "numba", "targets": targets, "workers": workers, "hours": args.hours, "repeat": args.repeat}))
            print(f"# numba, {targets} target(s), {workers} worker(s): {runs[-1]['wall_s']:.1f} s wall", file=sys.stderr, flush=True)
    slice_numba = run({"engine": "numba", "targets": 1, "workers": 1, "hours": 1.0, "repeat": args.repeat})
    slice_numpy = run({"engine": "numpy", "targets": 1, "workers": 1, "hours": 1.0, "repeat": 1})
    report = {
        "benchmark": "coverage", "tracklayer": __version__, "python": platform.python_version(), "cpus": os.cpu_count(),
        "grid": "1 deg, 100E-180E x 10S-60N", "constellation": "Walker 10 x 10, 1,000 km, 80 deg, wfov preset",
        "runs": [{k: v for k, v in r.items() if k != "summary"} for r in runs],
        "summary_4_targets": runs[-1]["summary"],
        "numpy_reference_1h_slice": {k: v for k, v in slice_numpy.items() if k != "summary"},
        "numba_1h_slice": {k: v for k, v in slice_numba.items() if k != "summary"},
        "numba_vs_numpy_cpu": round(slice_numba["checks_per_s_cpu"] / slice_numpy["checks_per_s_cpu"], 1),
        "same_figures_numba_numpy_1h": slice_numba["summary"] == slice_numpy["summary"],
        "loadavg_at_end": os.getloadavg(), "bench_wall_s": round(time.perf_counter() - t0, 1),
    }
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
