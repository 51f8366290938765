"""Benchmark: a geometry campaign (the indo-pacific scenario, attack time drawn over a
day for every repetition) on local worker processes: runs per hour, and the spread of
each threat's custody over attack time that the campaign measures.

Prints one JSON object: the wall time of ``sweep`` (cluster start and each worker's
first run included), runs per hour, the median run time measured in the workers,
and per threat of the joint picture the custody's mean with its 95 % t interval,
median, 10-90 % band and worst run (`tracklayer.campaign.analysis.summarize`).

    python benchmarks/bench_geometry_campaign.py [--repetitions 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=100, help="repetitions (one drawn attack time each)")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes (0: in this process)")
    parser.add_argument("--seed", type=int, default=1, help="campaign seed")
    args = parser.parse_args(argv)

    from tracklayer import __version__
    from tracklayer.campaign import analysis
    from tracklayer.campaign.executor import sweep
    from tracklayer.campaign.spec import load_campaign

    load_start = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="tracklayer-bench-geometry-"))
    try:
        path = work / "geometry.yaml"
        path.write_text(
            f"name: geometry-bench\nscenario: indo-pacific\nseed: {args.seed}\nrepetitions: {args.repetitions}\n"
            "geometry:\n  attack_time: {over_s: 86400}\n",
            encoding="utf-8",
        )
        campaign = load_campaign(path)
        start = time.perf_counter()
        summary = sweep(campaign, work / "out", workers=args.workers)
        wall = time.perf_counter() - start
        data = analysis.load(work / "out")
        stats = analysis.summarize(data, ["custody_fraction"], [t for t in analysis.threat_selectors(data) if not t.startswith("all ")])
        task_s = data.runs["task_s"][np.isfinite(data.runs["task_s"])]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    custody = {
        str(stats["threat"][i]): {k: round(float(stats[k][i]), 4) for k in ("mean", "ci_low", "ci_high", "median", "p10", "p90", "worst")}
        for i in range(stats.num_rows)
    }
    report = {
        "benchmark": "geometry_campaign",
        "tracklayer": __version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "scenario": "indo-pacific",
        "repetitions": args.repetitions,
        "workers": args.workers,
        "runs_ok": summary.ok,
        "runs_failed": summary.failed,
        "wall_s": round(wall, 1),
        "runs_per_hour": round(3600.0 * summary.stored / wall, 1),
        "median_run_s": round(float(np.median(task_s)), 2) if task_s.size else None,
        "custody_joint": custody,
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
