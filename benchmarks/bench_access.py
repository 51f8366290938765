"""Benchmark: space-sensor access pair checks per second, tracklayer against the reference
pipelines (python-sgp4 SatrecArray + NumPy broadcast kernel, Skyfield) on the shared
astro anchor's scenario (1,000 satellites x 200 targets x 360 steps; see
`astro_reference.py`), all measured in this run.

Prints one JSON object: for each variant the median wall and CPU time over --repeat
runs, pair checks per second (all pairs, culled or not, count: an "effective" rate),
visible-pair totals, tracklayer's ratios to the references, and the pairs on which
tracklayer and the reference disagree with their distance to a threshold.

    python benchmarks/bench_access.py [--repeat 5] [--astro-dir DIR] [--no-skyfield]

``--astro-dir`` points at the original anchor (``shared/bench/astro``): the port's
TLE text, targets and visible pairs are then checked against it.
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import astro_reference as ref  # noqa: E402


def timed(fn, repeat: int):
    """(median wall s, median CPU s, last result) over ``repeat`` runs."""
    walls, cpus, res = [], [], None
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        res = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sats", type=int, default=1000)
    ap.add_argument("--targets", type=int, default=200)
    ap.add_argument("--steps", type=int, default=360)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--astro-dir", type=Path, default=None)
    ap.add_argument("--no-skyfield", action="store_true")
    args = ap.parse_args(argv)

    from tracklayer import __version__
    from tracklayer.earth.frames import eci_to_ecef
    from tracklayer.earth.time import TimeGrid
    from tracklayer.kernels.coverage import static_access_kernel
    from tracklayer.orbits.propagators import parse_tle_lines, propagate_tle
    from tracklayer.sensors.static_access import TargetClusters, static_access

    n, m, t = args.sats, args.targets, args.steps
    checks = n * m * t
    results: dict[str, dict] = {}

    def record(name: str, wall: float, cpu: float, visible: int | None = None, pair_checks: int = checks, **extra):
        results[name] = {"wall_s": round(wall, 5), "cpu_s": round(cpu, 5), "pair_checks": pair_checks,
                         "checks_per_s_wall": round(pair_checks / wall), "checks_per_s_cpu": round(pair_checks / max(cpu, 1e-9)),
                         **({"visible": visible} if visible is not None else {}), **extra}
        print(f"# {name:<62} {pair_checks / wall / 1e6:>10,.1f} M checks/s (wall)", file=sys.stderr, flush=True)

    tles = ref.make_tles(n)
    jd, fr = ref.time_grid(t, 60.0)
    lat, lon, h = ref.make_targets(m)
    tgt_km = ref.geodetic_to_ecef_km(lat, lon, h)

    # ---------------- reference: python-sgp4 SatrecArray + NumPy GMST-82 + NumPy broadcast kernel
    from sgp4.api import Satrec, SatrecArray

    sa = SatrecArray([Satrec.twoline2rv(a, b) for a, b in tles])
    w_p, c_p, (err, r_teme, _) = timed(lambda: sa.sgp4(jd, fr), args.repeat)
    assert not err.any()
    w_f, c_f, r_ecef_km = timed(lambda: ref.teme_to_ecef(r_teme, jd, fr), args.repeat)
    w_k, c_k, vis_ref = timed(lambda: ref.kernel_all(r_ecef_km, tgt_km), max(1, args.repeat // 2))
    record("reference: sgp4 SatrecArray + numpy GMST82 + numpy broadcast kernel", w_p + w_f + w_k, c_p + c_f + c_k, int(vis_ref.sum()),
           breakdown_wall_s={"propagate": round(w_p, 4), "frames": round(w_f, 4), "kernel": round(w_k, 4)})
    record("reference: numpy broadcast kernel only", w_k, c_k, int(vis_ref.sum()))

    # ---------------- Skyfield
    if not args.no_skyfield:
        from skyfield.api import EarthSatellite, load, wgs84
        from skyfield.framelib import itrs

        ts = load.timescale()
        tt = ts.utc(*ref.EPOCH_UTC[:5], ref.EPOCH_UTC[5] + np.arange(t) * 60.0)
        sky_sats = [EarthSatellite(a, b, ts=ts) for a, b in tles]
        w_s, c_s, sky_r = timed(lambda: np.stack([s.at(tt).frame_xyz(itrs).km.T for s in sky_sats]), max(1, args.repeat // 2))
        vis_sky = ref.kernel_all(sky_r, tgt_km)
        record("skyfield: per-satellite at().frame_xyz(itrs) + numpy kernel", w_s + w_k, c_s + c_k, int(vis_sky.sum()),
               breakdown_wall_s={"propagate+frames": round(w_s, 4), "kernel(reference timing)": round(w_k, 4)})
        sub = 2
        tops = [wgs84.latlon(float(a), float(b), elevation_m=float(c) * 1000.0) for a, b, c in zip(lat, lon, h)]

        def per_pair():
            out = np.zeros((sub, t, m), dtype=bool)
            for i in range(sub):
                for j, top in enumerate(tops):
                    alt, _, dist = (sky_sats[i] - top).at(tt).altaz()
                    out[i, :, j] = (alt.degrees >= 0.0) & (dist.km < ref.RANGE_MAX_KM)
            return out

        w_pp, c_pp, _ = timed(per_pair, 1)
        record("skyfield: per-pair (sat - topos).at(t).altaz() [el >= 0]", w_pp, c_pp, pair_checks=sub * m * t,
               note="geodetic elevation >= 0 and range < 5,000 km; measured on 2 satellites")

    # ---------------- tracklayer: geometry alone (numba, 1 thread, clustered culling) on the same ECEF positions
    r_ecef_m = np.ascontiguousarray(np.transpose(r_ecef_km, (1, 0, 2)) * 1e3)  # (T, N, 3)
    tgt_m = tgt_km * 1e3
    half = np.full(n, np.pi / 2)  # no field-of-regard limit, as in the reference
    rmax = np.full(n, ref.RANGE_MAX_KM * 1e3)
    graze = np.full(n, ref.GRAZE_KM * 1e3)
    static_access(r_ecef_m[:2], tgt_m, half, rmax, graze)  # compile / load the cache
    w_g, c_g, vis_tl = timed(lambda: static_access(r_ecef_m, tgt_m, half, rmax, graze), args.repeat)
    record("tracklayer: geometry only (numba, 1 thread, culled)", w_g, c_g, int(vis_tl.sum()))

    cl = TargetClusters.blocks(tgt_m, np.array([ref.GRAZE_KM * 1e3]))
    # One block holding every target, with bounds that never cull nor shortcut: every pair is tested.
    never = np.zeros((1, 2, 4))
    never[..., 0] = never[..., 2] = 2.0

    def no_cull():
        out = np.zeros((t, n, m), dtype=bool)
        static_access_kernel(r_ecef_m, np.ascontiguousarray(tgt_m.T), np.array([0, m]), np.zeros((2, 3)), np.full(2, 1e12),
                             np.zeros((1, 2, 3)) + [1.0, 0.0, 0.0], np.full((1, 2), -1.0), np.zeros((1, 2)), np.zeros((1, 2)),
                             np.full((1, 2), 1e30), never, cl.inflated_a_m, cl.z_scale, np.zeros(n, dtype=np.int64), np.cos(half), rmax, out)
        return out

    w_n, c_n, vis_nc = timed(no_cull, args.repeat)
    record("tracklayer: geometry only (numba, 1 thread, no culling)", w_n, c_n, int(vis_nc.sum()))

    # ---------------- tracklayer end to end: SGP4 on its own time grid, GMST rotation, culled kernel
    grid = TimeGrid.uniform(dt.datetime(*ref.EPOCH_UTC[:5], tzinfo=dt.UTC), (t - 1) * 60.0, 60.0)
    named = parse_tle_lines([line for pair in tles for line in pair])

    def end_to_end():
        r_eci, _, _ = propagate_tle(named, grid)
        r_e = eci_to_ecef(r_eci, grid.gmst_rad()[:, None])
        return static_access(r_e, tgt_m, half, rmax, graze)

    w_e, c_e, vis_e2e = timed(end_to_end, args.repeat)
    record("tracklayer: end to end (propagate_tle + GMST82 + geometry)", w_e, c_e, int(vis_e2e.sum()))

    # ---------------- agreement with the reference pipeline
    def agreement(name: str, vis_tmn: np.ndarray) -> dict:
        mine = np.transpose(vis_tmn, (1, 0, 2))  # (N, T, M) like the reference
        diff = np.argwhere(mine != vis_ref)
        entry = {"a": "reference (sgp4 + numpy)", "b": name, "count_a": int(vis_ref.sum()), "count_b": int(mine.sum()), "pairs_differing": int(diff.shape[0])}
        if diff.shape[0]:
            entry["max_threshold_margin_km_among_differing"] = float(ref.margins_km(r_ecef_km, tgt_km, diff[:200]).max())
        return entry

    agree = [agreement("tracklayer geometry (same positions)", vis_tl), agreement("tracklayer end to end", vis_e2e),
             agreement("tracklayer geometry, no culling", vis_nc)]
    if not args.no_skyfield:
        d = np.argwhere(vis_sky != vis_ref)
        agree.append({"a": "reference (sgp4 + numpy)", "b": "skyfield ITRS + numpy kernel", "count_a": int(vis_ref.sum()), "count_b": int(vis_sky.sum()),
                      "pairs_differing": int(d.shape[0]),
                      "max_threshold_margin_km_among_differing": float(ref.margins_km(sky_r, tgt_km, d[:200]).max()) if d.shape[0] else 0.0})
    if args.astro_dir is not None:
        sys.path.insert(0, str(args.astro_dir))
        import common  # the original anchor

        same_tles = common.make_tles(n) == tles
        same_targets = np.array_equal(common.geodetic_to_ecef(*common.make_targets(m)), tgt_km)
        orig = np.stack([common.visible_pairs_numpy(np.ascontiguousarray(r_ecef_km[:, k, :]), tgt_km) for k in range(t)], axis=1)
        agree.append({"a": "original anchor (common.py)", "b": "port (astro_reference.py)", "same_tle_text": bool(same_tles),
                      "same_targets": bool(same_targets), "pairs_differing": int((orig != vis_ref).sum())})

    tl_geo = results["tracklayer: geometry only (numba, 1 thread, culled)"]
    tl_e2e = results["tracklayer: end to end (propagate_tle + GMST82 + geometry)"]
    ratios = {
        "geometry_vs_numpy_broadcast_kernel_cpu": round(tl_geo["checks_per_s_cpu"] / results["reference: numpy broadcast kernel only"]["checks_per_s_cpu"], 1),
        "geometry_vs_numpy_broadcast_kernel_wall": round(tl_geo["checks_per_s_wall"] / results["reference: numpy broadcast kernel only"]["checks_per_s_wall"], 1),
        "end_to_end_vs_reference_end_to_end_cpu": round(tl_e2e["checks_per_s_cpu"] / results["reference: sgp4 SatrecArray + numpy GMST82 + numpy broadcast kernel"]["checks_per_s_cpu"], 1),
        "culling_speedup_cpu": round(tl_geo["checks_per_s_cpu"] / results["tracklayer: geometry only (numba, 1 thread, no culling)"]["checks_per_s_cpu"], 1),
    }
    if not args.no_skyfield:
        ratios["end_to_end_vs_skyfield_end_to_end_cpu"] = round(tl_e2e["checks_per_s_cpu"] / results["skyfield: per-satellite at().frame_xyz(itrs) + numpy kernel"]["checks_per_s_cpu"], 1)
        ratios["geometry_vs_skyfield_per_pair_cpu"] = round(tl_geo["checks_per_s_cpu"] / results["skyfield: per-pair (sat - topos).at(t).altaz() [el >= 0]"]["checks_per_s_cpu"], 1)
    report = {
        "benchmark": "access", "tracklayer": __version__, "python": platform.python_version(), "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(), "sats": n, "targets": m, "steps": t, "pair_checks": checks, "repeat": args.repeat,
        "results": results, "ratios": ratios, "agreement": agree,
    }
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
