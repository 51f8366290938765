"""Benchmark: the network stage of a many-threat variant of the default scenario, with
received tracks predicted grouped by RK4 sub-step count (`tracklayer.network.predict`)
against one batch through the longest row's sub-steps (what it did before), measured
alternately in one process on the same physics (the machine is shared: compare the
ratio, not the seconds).

The variant copies the default scenario's threats ``--threats / 4`` times, each copy
launched 2 s later and 0.02 deg further north, and lengthens the run to match; the
memory budget is lifted for it. Prints one JSON object: per arm the wall time of the
whole run after the physics and of its network stage, the rows and RK4 row-steps
predicted, the check that both arms give the same tracks, and peak RSS.

    python benchmarks/bench_network_prediction.py [--threats 200] [--repeat 2]
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import time

import numpy as np


def _variant(n: int):
    from tracklayer.scenario import budget
    from tracklayer.scenario.loader import builtin_path, parse_scenario, read_yaml

    data = read_yaml(builtin_path("indo-pacific"))
    base, threats = data["threats"], []
    for i in range(max(1, n // len(base))):
        for t in base:
            c = copy.deepcopy(t)
            c["name"], c["launch_time_s"] = f"{t['name']}-{i}", t["launch_time_s"] + 2 * i
            c["launch"] = {**t["launch"], "lat_deg": t["launch"]["lat_deg"] + 0.02 * i}
            threats.append(c)
    data.update(threats=threats, name=f"indo-pacific-{len(threats)}", duration_s=data["duration_s"] + 2 * (len(threats) // len(base)))
    budget.MEMORY_BUDGET_BYTES = 1e13  # the point is to measure it
    return parse_scenario(data, data["name"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threats", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)

    from tracklayer.network import picture, predict
    from tracklayer.pipeline import run_pipeline, simulate

    scn = _variant(args.threats)
    work = {"rows": 0, "row_steps_grouped": 0, "row_steps_one_batch": 0}

    def one_batch(x, p, dt_s, q):
        n = x.shape[0]
        if n == 0:
            return x.copy(), p.copy()
        return predict._predict(x, p, np.broadcast_to(np.asarray(dt_s, float), (n,)), np.broadcast_to(np.asarray(q, float), (n,)))

    def counted(f, count):
        def g(x, p, dt_s, q):
            steps = np.maximum(1, np.ceil(np.abs(np.broadcast_to(np.asarray(dt_s, float), (x.shape[0],))) / predict.MAX_STEP_S))
            if count:
                work["rows"] += int(x.shape[0])
                work["row_steps_grouped"] += int(steps.sum())
                work["row_steps_one_batch"] += int(x.shape[0] * (steps.max() if steps.size else 0))
            return f(x, p, dt_s, q)
        return g

    physics = simulate(scn, scn.seed, lambda *a, **k: None, {})
    times: dict[str, list[tuple[float, float]]] = {"grouped": [], "one_batch": []}
    reference = None
    for r in range(args.repeat):
        for arm, f in (("grouped", predict.predict_tracks), ("one_batch", one_batch)):
            picture.predict_tracks = counted(f, r == 0 and arm == "grouped")
            start = time.perf_counter()
            result = run_pipeline(scn, scn.seed, physics=physics)
            times[arm].append((time.perf_counter() - start, result.timings_s["network"]))
            cols = {c: np.asarray(result.tracks[c]) for c in result.tracks.columns}
            if reference is None:
                reference = cols
            elif not all(np.array_equal(cols[c], reference[c], equal_nan=cols[c].dtype != object) for c in cols):
                raise SystemExit("the two arms gave different tracks")
    picture.predict_tracks = predict.predict_tracks
    report = {
        "benchmark": "network_prediction",
        "scenario": scn.name,
        "threats": len(scn.threats),
        "repeat": args.repeat,
        "run_after_physics_s": {k: [round(a, 1) for a, _ in v] for k, v in times.items()},
        "network_stage_s": {k: [round(b, 1) for _, b in v] for k, v in times.items()},
        "network_ratio_median": round(float(np.median([b for _, b in times["one_batch"]]) / np.median([b for _, b in times["grouped"]])), 2),
        **work,
        "same_tracks": True,
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
