"""Covariance consistency of every node's tracks per threat and flight phase over
Monte Carlo seeds. Prints one JSON object.

    python benchmarks/bench_consistency.py [SCENARIO] [--seeds 20] [--out runs.json]
    python benchmarks/bench_consistency.py --table BEFORE.json [AFTER.json]   # markdown

``--table`` prints, from runs files written by ``--out``, one markdown row per threat
and phase with every node's mean NEES (``before -> after`` given two files; ``*``
marks a mean outside the band).

For every threat x node x phase cell it pools the runs' ``phase_metrics`` rows (mean
position NEES of the confirmed track that held the threat, 3 dof) and reports:

* ``nees_mean``: the mean over runs of each run's mean NEES (runs without samples in
  the cell are left out; ``runs`` says how many had some);
* ``band_runs``: the 95 % chi-square band for that mean, chi2.ppf([0.025, 0.975], K d) / K
  with K = the number of runs. Consecutive NEES samples of one track are strongly
  correlated (the error changes little from one second to the next), so a run's
  samples are not K independent chi-square draws; each run's mean is counted as one
  draw, which is conservative: the variance of a mean of correlated chi-square(d)
  samples is at most that of one sample. ``inside`` tests the mean against this band;
* ``band_pooled``: the band treating every pooled sample as independent (K = total
  samples), far narrower and only right for uncorrelated errors, for reference;
* ``ci95``: mean +- 1.96 standard errors of the per-run means (the spread the runs
  actually show, whatever the correlation);
* ``nees_in_95``: the share of samples below the 95 % chi-square(3) bound (0.95 when
  consistent), and ``custody`` the mean custody fraction of the phase.

Only sensing noise and the network's random draws change with the seed (orbits and
threats are deterministic), so the seeds are a Monte Carlo over measurement noise,
detection and link loss.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.stats import chi2

DOF = 3


def band(k: int) -> tuple[float, float]:
    """95 % chi-square band of the mean of k independent chi-square(DOF) samples."""
    lo, hi = chi2.ppf([0.025, 0.975], k * DOF) / k
    return float(lo), float(hi)


def cells_of_run(result) -> list[dict]:
    """One dict per phase_metrics row of a run."""
    pm = result.phase_metrics
    return [{"threat": str(pm["threat"][j]), "node": str(pm["node"][j]), "phase": str(pm["phase"][j]),
             "samples": int(pm["samples"][j]), "nees_mean": float(pm["nees_mean"][j]),
             "nees_in_95": float(pm["nees_in_95"][j]), "custody": float(pm["custody_fraction"][j])}
            for j in range(pm.num_rows)]


def summarise(runs: list[list[dict]]) -> list[dict]:
    """Pool the runs' cells per (threat, node, phase)."""
    keys: dict[tuple[str, str, str], list[dict]] = {}
    for cells in runs:
        for c in cells:
            keys.setdefault((c["threat"], c["node"], c["phase"]), []).append(c)
    out = []
    for (threat, node, phase), cs in keys.items():
        with_samples = [c for c in cs if c["samples"] > 0]
        means = np.array([c["nees_mean"] for c in with_samples])
        n_samples = int(sum(c["samples"] for c in with_samples))
        row = {"threat": threat, "node": node, "phase": phase, "runs": len(with_samples), "samples": n_samples,
               "custody": float(np.mean([c["custody"] for c in cs]))}
        if with_samples:
            mean = float(means.mean())
            lo, hi = band(len(with_samples))
            se = float(means.std(ddof=1) / np.sqrt(means.size)) if means.size > 1 else float("nan")
            row.update(nees_mean=mean, band_runs=[lo, hi], inside=bool(lo <= mean <= hi),
                       band_pooled=list(band(n_samples)), ci95=[mean - 1.96 * se, mean + 1.96 * se],
                       nees_in_95=float(np.average([c["nees_in_95"] for c in with_samples], weights=[c["samples"] for c in with_samples])))
        out.append(row)
    return out


def markdown(paths: list[str]) -> str:
    """Markdown table of the runs files' cells: threat | phase | band | one column per node."""
    tables = [{(c["threat"], c["node"], c["phase"]): c for c in summarise(json.load(open(p))["runs"])} for p in paths]
    nodes = sorted({k[1] for k in tables[0]}, key=lambda n: (n != "joint", n))
    rows = sorted({(k[0], k[2]) for k in tables[0]}, key=lambda r: (r[0], r[1] == "all", r[1]))

    def cell(t, key):
        c = t.get(key)
        if c is None or c["runs"] == 0:
            return "–"
        return f"{c['nees_mean']:.2f}{'' if c['inside'] else '*'}"

    out = ["| threat | phase | band (runs) | " + " | ".join(nodes) + " |", "| --- | --- | --- |" + " ---: |" * len(nodes)]
    for threat, phase in rows:
        first = next((t[(threat, n, phase)] for t in tables[::-1] for n in nodes if t.get((threat, n, phase), {}).get("runs")), None)
        b = f"{first['band_runs'][0]:.2f}–{first['band_runs'][1]:.2f}" if first else "–"
        out.append(f"| {threat} | {phase} | {b} | " + " | ".join(" → ".join(cell(t, (threat, n, phase)) for t in tables) for n in nodes) + " |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", default="indo-pacific")
    ap.add_argument("--seeds", type=int, default=20, help="Monte Carlo seeds (scenario seed + 0..N-1)")
    ap.add_argument("--out", default=None, help="also write the per-run cells to this JSON file")
    ap.add_argument("--table", nargs="+", default=None, metavar="RUNS", help="print a markdown table of runs files instead")
    args = ap.parse_args()
    if args.table:
        print(markdown(args.table))
        return
    from tracklayer import api
    from tracklayer.scenario.loader import load_scenario

    scn = load_scenario(args.scenario)
    runs, wall = [], []
    for k in range(args.seeds):
        t0 = time.perf_counter()
        runs.append(cells_of_run(api.run(scn, seed=scn.seed + k)))
        wall.append(time.perf_counter() - t0)
        if args.out:
            with open(args.out, "w") as f:
                json.dump({"scenario": scn.name, "seeds": [scn.seed + j for j in range(len(runs))], "runs": runs}, f)
    cells = summarise(runs)
    print(json.dumps({"scenario": scn.name, "seeds": args.seeds, "dof": DOF, "wall_s": wall,
                      "cells_inside": sum(c.get("inside", False) for c in cells),
                      "cells_with_samples": sum(c["runs"] > 0 for c in cells), "cells": cells}))


if __name__ == "__main__":
    main()
