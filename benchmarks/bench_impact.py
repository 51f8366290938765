"""Benchmark: the impact-prediction stage on a scenario's run (default: indo-pacific).

Runs the scenario once, then times (median of --repeat) the quality-gated warning on
every node's picture and the impact table of the lead picture, with the active engine
(``TRACKLAYER_ENGINE=numpy`` for the NumPy reference). Prints one JSON object beside
the run's own stage times.

    python benchmarks/bench_impact.py [SCENARIO] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="indo-pacific")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from tracklayer import api
    from tracklayer.kernels import engine
    from tracklayer.metrics.impact import impact_table, impact_warning
    from tracklayer.table import Table
    from tracklayer.tracking import STATUSES

    start = time.perf_counter()
    result = api.run(args.scenario)
    run_s = time.perf_counter() - start
    truth, grid, settings = result.state.truth, result.state.grid, result.scenario.impact
    pictures = {}
    for node in dict.fromkeys(result.metrics["node"].tolist()):
        tr = result.tracks.take(result.tracks["node"] == node)
        status = np.array([STATUSES.index(s) for s in tr["status"]], dtype=np.int8)
        pictures[node] = Table({"t_s": tr["t_s"], "track_id": tr["track_id"], "status": status, "x": tr["x"], "P": tr["P"], "truth_id": tr["truth_id"]})

    def timed(fn) -> float:
        fn()  # warm-up (numba cache load)
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t0)
        return statistics.median(runs)

    warning_s = timed(lambda: [impact_warning(truth, grid, pic, settings) for pic in pictures.values()])
    lead = result.picture_node
    table_s = timed(lambda: impact_table(truth, grid, pictures[lead], lead, settings))
    print(json.dumps({
        "scenario": args.scenario, "engine": engine(), "repeat": args.repeat,
        "run_s": round(run_s, 3), "stages_s": {k: round(v, 3) for k, v in result.timings_s.items()},
        "warning_all_nodes_s": round(warning_s, 4), "impact_table_s": round(table_s, 4),
        "impact_total_s": round(warning_s + table_s, 4), "impact_rows": result.impact.num_rows,
        "confirmed_rows_all_nodes": int(sum((p["status"] == STATUSES.index("confirmed")).sum() for p in pictures.values())),
        "cadence_s": settings.cadence_s,
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
