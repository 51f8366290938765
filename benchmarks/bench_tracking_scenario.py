"""Track quality on a tracklayer scenario: custody, accuracy and covariance consistency
per threat, and the tracking stage's wall time. Prints one JSON object.

    python benchmarks/bench_tracking_scenario.py [SCENARIO] [--seeds N] [--set key=value ...]

``--set`` overrides fields of the scenario's ``tracker`` section (YAML values, e.g.
``--set filter=ukf``). For every threat it reports custody (fraction of flight held by a
confirmed track within the truth gate), the number of confirmed track ids, 3-D position
RMS error, and the consistency of the confirmed tracks assigned to it: mean position
NEES (3 dof; 3 for a consistent filter), the fraction of samples inside the 95 %
chi-square(3) interval, and the largest error with the track's own 1-sigma then. With
a tracking network the figures are those of the run's picture node (``joint`` when
present; ``--node`` picks another). Only the public API and tables are used, so the
same script measures any version of tracklayer.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import yaml
from scipy.stats import chi2


def threat_quality(result, node: str | None = None) -> dict:
    """Per threat: custody and RMS (the run's metrics), and the consistency of every
    confirmed row of the ``node``'s tracks that held it (rows while it flies and the
    track is not assigned to another threat), including rows where the track had
    drifted away. ``node`` defaults to the run's picture node."""
    node = node or result.picture_node
    m = result.metrics.take(result.metrics["node"] == node)
    tracks = result.tracks.take(result.tracks["node"] == node)
    truth = result.state.truth
    grid_t = result.state.grid.t_s
    lo, hi = chi2.ppf([0.025, 0.975], 3)
    conf = tracks["status"] == "confirmed"
    k_all = np.searchsorted(grid_t, tracks["t_s"])
    out = {}
    for i, name in enumerate(m["threat"]):
        ids = np.unique(tracks["track_id"][conf & (tracks["truth_id"] == i)])
        rows = conf & np.isin(tracks["track_id"], ids) & np.isin(tracks["truth_id"], (i, -1))
        rows &= np.isfinite(truth.r_eci_m[k_all, i, 0])
        err = tracks["x"][rows, :3] - truth.r_eci_m[k_all[rows], i]
        p = tracks["P"][rows, :3, :3]
        nees = np.einsum("ni,ni->n", err, np.linalg.solve(p, err[..., None])[..., 0]) if rows.any() else np.zeros(0)
        e = np.linalg.norm(err, axis=1)
        sig = np.sqrt(np.trace(p, axis1=1, axis2=2))
        out[str(name)] = {
            "kind": str(m["kind"][i]),
            "custody": float(m["custody_fraction"][i]),
            "track_ids": int(m["track_ids"][i]),
            "time_to_confirmed_track_s": float(m["time_to_confirmed_track_s"][i]),
            "position_rms_m": float(m["position_rms_m"][i]),
            "track_rows": int(rows.sum()),
            "nees_pos_mean": float(nees.mean()) if nees.size else float("nan"),
            "nees_pos_median": float(np.median(nees)) if nees.size else float("nan"),
            "nees_pos_in_95": float(np.mean((nees > lo) & (nees < hi))) if nees.size else float("nan"),
            "max_error_m": float(e.max()) if e.size else float("nan"),
            "max_sigma_m_at_max_error": float(sig[np.argmax(e)]) if e.size else float("nan"),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", default="indo-pacific")
    ap.add_argument("--seeds", type=int, default=1, help="Monte Carlo seeds (scenario seed + 0..N-1)")
    ap.add_argument("--set", action="append", default=[], help="tracker field override key=value (YAML value)")
    ap.add_argument("--node", default=None, help="tracking node to measure (default: the run's picture node)")
    args = ap.parse_args()
    from tracklayer import api
    from tracklayer.scenario.loader import load_scenario

    scn = load_scenario(args.scenario)
    if args.set:
        tracker = scn.tracker.model_dump(exclude_unset=True)
        for item in args.set:
            key, value = item.split("=", 1)
            tracker[key] = yaml.safe_load(value)
        scn = scn.model_validate({**scn.model_dump(exclude_unset=True), "tracker": tracker})
    runs = []
    for k in range(args.seeds):
        t0 = time.perf_counter()
        res = api.run(scn, seed=scn.seed + k)
        runs.append({"seed": scn.seed + k, "wall_s": time.perf_counter() - t0, "tracking_s": res.timings_s["tracking"],
                     "node": args.node or res.picture_node, "threats": threat_quality(res, args.node)})
    print(json.dumps({"scenario": scn.name, "overrides": args.set, "runs": runs}, default=float))


if __name__ == "__main__":
    main()
