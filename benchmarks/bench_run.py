"""Benchmark: the whole pipeline on a scenario (default: the built-in indo-pacific).

Prints one JSON object: wall time per stage (median of --repeat runs after one
warm-up run that also pays numba's first compilation), output-writing time, the
first (cold) run's total, and peak resident memory of the process.

    python benchmarks/bench_run.py [SCENARIO] [--repeat N] [--out DIR] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="indo-pacific")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="where to write outputs (default: a temp folder)")
    parser.add_argument("--jobs", type=int, default=2, help="processes for the nodes' trackers (as `tracklayer run --jobs`, default 2)")
    args = parser.parse_args(argv)

    t_import = time.perf_counter()
    from tracklayer import __version__, api
    from tracklayer.kernels import engine

    import_s = time.perf_counter() - t_import
    cold_start = time.perf_counter()
    api.run(args.scenario, jobs=args.jobs)
    cold_s = time.perf_counter() - cold_start

    stage_runs: dict[str, list[float]] = {}
    totals, writes = [], []
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="tracklayer-bench-"))
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = api.run(args.scenario, jobs=args.jobs)
        totals.append(time.perf_counter() - start)
        for stage, secs in result.timings_s.items():
            stage_runs.setdefault(stage, []).append(secs)
        start = time.perf_counter()
        api.write_outputs(result, out_dir)
        writes.append(time.perf_counter() - start)

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {
        "benchmark": "pipeline",
        "scenario": args.scenario,
        "tracklayer": __version__,
        "engine": engine(),
        "python": platform.python_version(),
        "repeat": args.repeat,
        "jobs": args.jobs,
        "import_s": round(import_s, 3),
        "cold_run_s": round(cold_s, 3),
        "run_s_median": round(statistics.median(totals), 3),
        "write_outputs_s_median": round(statistics.median(writes), 3),
        "end_to_end_s_median": round(statistics.median(totals) + statistics.median(writes), 3),
        "stages_s_median": {k: round(statistics.median(v), 4) for k, v in stage_runs.items()},
        "detections": int(result.detections.num_rows),
        "track_rows": int(result.tracks.num_rows),
        "peak_rss_mib": round(peak_kib / 1024.0, 1),
    }
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
