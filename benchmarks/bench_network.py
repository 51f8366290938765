"""Benchmark: what the network layer costs, and what the joint picture is worth.

Speed (default): the scenario as written (national nodes, links, the joint node) and
the same scenario without its network section (one tracker fed by every sensor), run
alternately in the same process after a warm-up (numba compilation), --repeat times
each; prints the median wall time of each, their ratio, the stages and peak memory.

Quality (--quality): per threat, the lead picture of (a) the single tracker, (b) the
network with ideal links (no latency, jitter, loss, outages, registration bias or
release rules: every track to every node at once) for each fusion method, and (c) the
network as written; custody, RMS and median 3-D position error, time to a confirmed
track, duplicates.

    python benchmarks/bench_network.py [SCENARIO] [--repeat N] [--quality]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time


def _ideal(scn, method: str):
    """The scenario's network with perfect links, no biases and everything releasable."""
    net = scn.network.model_dump(by_alias=True)
    net["release"], net["release_default"] = [], "tracks"
    for node in net["nodes"]:
        node["registration_bias_m"] = 0.0
        node["fusion"]["method"] = method
    keep = ("from", "to", "content", "report_interval_s", "assumed_bias_m")
    net["links"] = [{k: link[k] for k in keep} for link in net["links"]]
    return scn.model_copy(update={"network": type(scn.network).model_validate(net)})


def _quality(result) -> dict:
    import numpy as np

    m = result.metrics
    node = result.picture_node
    tr = result.tracks
    grid, truth = result.state.grid.t_s, result.state.truth
    out = {}
    for i in np.nonzero(m["node"] == node)[0]:
        threat = str(m["threat"][i])
        j = list(truth.name).index(threat)
        on = (tr["node"] == node) & (tr["status"] == "confirmed") & (tr["truth_id"] == j)
        k = np.searchsorted(grid, tr["t_s"][on])
        err = np.linalg.norm(tr["x"][on, :3] - truth.r_eci_m[k, j], axis=1)
        out[threat] = {
            "custody": round(float(m["custody_fraction"][i]), 4),
            "rms_m": round(float(m["position_rms_m"][i]), 1),
            "median_m": round(float(np.median(err)), 1) if err.size else None,
            "track_s": float(m["time_to_confirmed_track_s"][i]),
            "duplicates": round(float(m["duplicate_fraction"][i]), 4),
            "track_ids": int(m["track_ids"][i]),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="indo-pacific")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quality", action="store_true", help="compare the pictures instead of timing them")
    args = parser.parse_args(argv)

    from tracklayer import __version__, api
    from tracklayer.kernels import engine

    scn = api.load_scenario(args.scenario)
    if scn.network is None:
        print(json.dumps({"error": f"{args.scenario} has no network section"}))
        return 2
    central = scn.model_copy(update={"network": None})
    report = {"benchmark": "network", "scenario": args.scenario, "tracklayer": __version__, "engine": engine(), "python": platform.python_version(),
              "nodes": [n.id for n in scn.network.nodes], "links": len(scn.network.links)}
    if args.quality:
        report["single_tracker"] = _quality(api.run(central))
        for method in ("ci", "fast_ci", "information"):
            report[f"ideal_{method}"] = _quality(api.run(_ideal(scn, method)))
        report["as_written"] = _quality(api.run(scn))
    else:
        api.run(scn)  # warm-up: numba compilation, caches
        api.run(central)
        times: dict[str, list[float]] = {"network": [], "single": []}
        stages: dict[str, dict[str, list[float]]] = {"network": {}, "single": {}}
        for _ in range(args.repeat):
            for name, s in (("network", scn), ("single", central)):
                start = time.perf_counter()
                result = api.run(s)
                times[name].append(time.perf_counter() - start)
                for stage, secs in result.timings_s.items():
                    stages[name].setdefault(stage, []).append(secs)
        net_s, single_s = statistics.median(times["network"]), statistics.median(times["single"])
        report.update({
            "repeat": args.repeat,
            "run_s_median_network": round(net_s, 3),
            "run_s_median_single_tracker": round(single_s, 3),
            "ratio": round(net_s / single_s, 3),
            "added_percent": round(100.0 * (net_s / single_s - 1.0), 1),
            "runs_s": {k: [round(v, 3) for v in vals] for k, vals in times.items()},
            "stages_s_median": {name: {k: round(statistics.median(v), 4) for k, v in st.items()} for name, st in stages.items()},
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        })
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
