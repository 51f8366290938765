"""Benchmark: the tracker's general path (IMM over angles-only and radar scans) on a
scenario (default: the built-in indo-pacific). Prints one JSON object.

One pipeline run supplies every node tracker's inputs (detections, grid, radar frames);
then each node's `Tracker.run` is timed alone, ``--repeat`` times (median), in CPU
seconds of this process (robust on a shared machine) and wall seconds, with the number
of steps and scans to give per-step and per-scan figures. ``--save FILE.npz`` keeps the
trackers' tables, ``--compare FILE.npz`` reports the largest differences from saved
ones (e.g. the other engine's: ``TRACKLAYER_ENGINE=numpy``). ``--alternate`` runs each
node's tracker alternately without and with the compiled IMM prediction, update and
moment matching (numba engine) and reports both per-scan times and their ratio, so a
loaded machine's drift falls on both sides alike.

    python benchmarks/bench_general_path.py [SCENARIO] [--repeat N] [--save F] [--compare F] [--alternate]
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
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--save", default=None)
    parser.add_argument("--compare", default=None)
    parser.add_argument("--alternate", action="store_true")
    args = parser.parse_args(argv)

    from tracklayer import api
    from tracklayer.kernels import engine
    from tracklayer.tracking import tracker as tracker_module

    calls = []
    original = tracker_module.Tracker.run

    def capture(self, det, grid, enu_eci_of=None, progress=None):
        calls.append((self, det, grid, enu_eci_of))
        return original(self, det, grid, enu_eci_of, progress)

    tracker_module.Tracker.run = capture
    try:
        result = api.run(args.scenario)  # also the warm-up (numba compilation)
    finally:
        tracker_module.Tracker.run = original
    if args.alternate:
        print(json.dumps(_alternate(calls, args.repeat), indent=2))
        return 0

    nodes, tables = [], {}
    for k, (trk, det, grid, enu) in enumerate(calls):
        cpu, wall = [], []
        for _ in range(args.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            table = trk.run(det, grid, enu)[0]
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        t = np.asarray(det["t_s"])
        steps = np.union1d(grid, t).size
        scans = np.unique(np.stack([t, np.asarray(det["sensor_id"], dtype=np.float64)]), axis=1).shape[1] if t.size else 0
        c = statistics.median(cpu)
        nodes.append({"detections": int(t.size), "steps": int(steps), "scans": int(scans), "cpu_s": round(c, 3),
                      "wall_s": round(statistics.median(wall), 3), "cpu_us_per_step": round(1e6 * c / max(steps, 1), 1),
                      "cpu_us_per_scan": round(1e6 * c / max(scans, 1), 1)})
        tables.update({f"{k}/{name}": np.asarray(col) for name, col in table.items() if np.asarray(col).dtype != object})
    report = {"benchmark": "tracker general path", "scenario": args.scenario, "engine": engine(), "repeat": args.repeat,
              "nodes": nodes, "tracking_cpu_s": round(sum(n["cpu_s"] for n in nodes), 3),
              "pipeline_tracking_stage_wall_s": round(result.timings_s["tracking"], 3)}
    if args.save:
        np.savez(args.save, **tables)
    if args.compare:
        ref = np.load(args.compare)
        diff = {}
        for key in sorted(set(ref.files) | set(tables)):
            a, b = tables.get(key), ref[key] if key in ref.files else None
            if a is None or b is None or a.shape != b.shape:
                diff[key] = "shape differs"
            elif a.dtype.kind == "f":
                scale = np.nanmax(np.abs(b)) if b.size else 0.0
                diff[key] = float(np.nanmax(np.abs(a - b)) / scale) if b.size and scale else 0.0
            else:
                diff[key] = int(np.sum(a != b))
        report["max_relative_difference_vs_saved"] = diff
    print(json.dumps(report, indent=2))
    return 0


def _alternate(calls, repeat: int) -> dict:
    """Median CPU per scan of all nodes' trackers without / with the compiled IMM
    prediction, update and combine, run alternately."""
    from tracklayer.tracking import imm

    switches = ("_compiled_predict", "_compiled_update", "_compiled_combine")
    on = {name: getattr(imm, name) for name in switches}
    off = {name: (lambda *a: False) for name in switches}
    scans = sum(np.unique(np.stack([np.asarray(d["t_s"]), np.asarray(d["sensor_id"], dtype=np.float64)]), axis=1).shape[1]
                for _, d, _, _ in calls)
    cpu: dict[str, list[float]] = {"without": [], "with": []}
    try:
        for _ in range(repeat):
            for label, patch in (("without", off), ("with", on)):
                for name, fn in patch.items():
                    setattr(imm, name, fn)
                c0 = time.process_time()
                for trk, det, grid, enu in calls:
                    trk.run(det, grid, enu)
                cpu[label].append(time.process_time() - c0)
    finally:
        for name, fn in on.items():
            setattr(imm, name, fn)
    a, b = statistics.median(cpu["without"]), statistics.median(cpu["with"])
    return {"benchmark": "tracker general path, IMM kernels off/on", "scans": int(scans), "repeat": repeat,
            "cpu_us_per_scan_without": round(1e6 * a / scans, 1), "cpu_us_per_scan_with": round(1e6 * b / scans, 1),
            "speed_up": round(a / b, 2)}


if __name__ == "__main__":
    raise SystemExit(main())
