"""Coverage figures of merit over a latitude/longitude grid (DOMAIN.md Sec. 5).

For each reference target (an infrared radiant intensity held at one altitude) and
each grid point, at every time step, count the satellites *able to detect* the
target there: geometric access (range, field of regard, Earth occlusion, minimum
target altitude), not blinded by the Sun, and single-frame Pd >= ``pd_min`` given
the range, background (look-down or limb) and atmospheric path
(`tracklayer.sensors.infrared`). From the counts, in the spirit of STK's figures of
merit:

* Number of Assets: the fraction of time with >= 1, >= 2 (stereo), >= 3 satellites,
  the mean and the maximum number;
* Coverage Time / Revisit Time: gaps (maximal runs of steps with no satellite; a gap
  that touches the window's start or end counts, truncated), their number, mean and
  longest length, and the same for stereo (>= 2);
* Response Time: the time-averaged wait until the next covered step
  (sum over gaps of L (L + 1) / 2 steps, over the window).

Time is processed in chunks (bounded memory: the per-point state is O(points)),
chunks run on worker threads (the numba kernel releases the GIL); counts are
integers, so the result is bit-identical whatever the number of threads.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import DEG, WGS84_A_M, WGS84_B_M
from tracklayer.earth.frames import eci_to_ecef, geodetic_to_ecef
from tracklayer.earth.sun import sun_direction_eci
from tracklayer.earth.time import TimeGrid
from tracklayer.kernels import engine
from tracklayer.sensors.detection import snr_required_gaussian
from tracklayer.sensors.geometry import infrared_access_numpy, look_down_numpy, sun_blinded_numpy
from tracklayer.sensors.infrared import InfraredParams
from tracklayer.sensors.radiometry import transmission
from tracklayer.sensors.static_access import TargetClusters, group_of
from tracklayer.table import Table

GRID_COLUMNS = {
    "target": "reference target name",
    "altitude_km": "target altitude, km",
    "intensity_kw_sr": "target radiant intensity in the signature band, kW/sr",
    "lat_deg": "grid point geodetic latitude, deg",
    "lon_deg": "grid point longitude, deg",
    "frac_1": "fraction of time with >= 1 satellite able to detect",
    "frac_2": "fraction of time with >= 2 (stereo)",
    "frac_3": "fraction of time with >= 3",
    "mean_assets": "time-averaged number of satellites able to detect",
    "max_assets": "largest number at any step",
    "gaps_1": "number of gaps with no satellite (edges included)",
    "longest_gap_1_s": "longest gap with no satellite, s",
    "mean_gap_1_s": "mean gap with no satellite, s (NaN: never uncovered)",
    "mean_response_1_s": "time-averaged wait until a satellite can detect, s",
    "longest_gap_2_s": "longest gap without stereo (>= 2), s",
    "mean_gap_2_s": "mean gap without stereo, s",
}
"""Columns of the per-point coverage table (one row per grid point per target)."""

SERIES_COLUMNS = ("target", "t_s", "area_1", "area_2", "area_3", "mean_assets")
"""Columns of the coverage time series: area-weighted (cos latitude) fraction of the grid
with >= 1, 2, 3 satellites, and the area-weighted mean number, per step."""


@dataclass(frozen=True)
class CoverageResult:
    """Coverage tables and run facts.

    ``grid`` and ``series`` are Tables (columns: `GRID_COLUMNS`, `SERIES_COLUMNS`);
    ``shape`` is (n_lat, n_lon) of the grid (points ordered latitude-major);
    ``timings_s`` holds wall time per part.
    """

    grid: Table
    series: Table
    shape: tuple[int, int]
    epoch_iso: str
    step_s: float
    n_steps: int
    n_satellites: int
    timings_s: dict


def grid_latlon(spec) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Grid point latitudes and longitudes (P,), degrees, latitude-major, and (n_lat, n_lon)."""
    lats = np.arange(spec.lat_min_deg, spec.lat_max_deg + 1e-9, spec.resolution_deg)
    lons = np.arange(spec.lon_min_deg, spec.lon_max_deg + 1e-9, spec.resolution_deg)
    la, lo = np.meshgrid(lats, lons, indexing="ij")
    return la.ravel(), lo.ravel(), (lats.size, lons.size)


def detection_thresholds(params: InfraredParams, intensity_w_sr: float, alt_m: float, pd_min: float) -> tuple[np.ndarray, np.ndarray]:
    """Per sensor: whether it can ever see the altitude (S,), and thresh (S, 2).

    Pd >= pd_min  <=>  SNR >= Q^-1(Pfa) - Q^-1(pd_min)  <=>  tau >= thresh R^2 with
    thresh = SNR_required NEI / (I b); 0 where a constant Pd >= pd_min replaces the
    model, inf where a constant Pd < pd_min does.
    """
    able = alt_m >= params.min_target_alt_m
    snr_req = np.maximum(snr_required_gaussian(np.asarray(pd_min), params.pfa), 0.0)
    thresh = snr_req * params.nei_w_m2 / (intensity_w_sr * params.band_ratio[:, None])
    const = ~np.isnan(params.pd)
    thresh[const] = np.where(params.pd[const] >= pd_min, 0.0, np.inf)[:, None]
    return able, thresh


def coverage_counts_numpy(r_sat, sun, tgt, tgt_norm, alt_m, starts, centre, radius, direction, cos_alpha, sin_alpha, r_lo,
                          r_hi, bounds, inflated_a, z_scale, group, cos_half, max_range, cos_sun_excl, able, thresh, tau_zenith,
                          scale_height, earth_a, earth_k, counts) -> None:
    """NumPy reference of `tracklayer.kernels.coverage.coverage_count_kernel` (same
    signature; the cluster arrays are unused: every pair is tested)."""
    n_t, n_s, _ = r_sat.shape
    for t in range(n_t):
        s_all = r_sat[t]
        tg = np.broadcast_to(tgt, (1,) + tgt.shape)
        geo = np.zeros((1, n_s, tgt.shape[0]), dtype=bool)
        infrared_access_numpy(s_all[None], tg, cos_half, max_range, inflated_a[group], z_scale[group], geo)
        ok = geo[0] & able[:, None]
        si, pj = np.nonzero(ok)
        s, p = s_all[si], tgt[pj]
        d = p - s
        rng = np.linalg.norm(d, axis=1)
        blind = sun_blinded_numpy(s, d / rng[:, None], sun[t][None], np.arccos(cos_sun_excl[si]))
        bg = np.where(look_down_numpy(s, p), 0, 1)
        cos_z = -np.sum(p * d, axis=1) / (tgt_norm[pj] * rng)
        with np.errstate(over="ignore", invalid="ignore"):
            tau = transmission(alt_m, cos_z, tgt_norm[pj] - alt_m, tau_zenith[si], scale_height[si])
        th = thresh[si, bg]
        seen = ~blind & ((th == 0.0) | (tau >= th * rng**2)) & (th * rng**2 <= 1.0)
        np.add.at(counts[t], pj[seen], 1)


def _counts(chunk_sat, chunk_sun, cl, tgt, tnorm, alt_m, params, group, able, thresh) -> np.ndarray:
    counts = np.zeros((chunk_sat.shape[0], tgt.shape[0]), dtype=np.uint16)
    args = (chunk_sat, chunk_sun, tgt, tnorm, float(alt_m), cl.starts, cl.centre_m, cl.radius_m, cl.direction, cl.cos_alpha,
            cl.sin_alpha, cl.r_lo, cl.r_hi, cl.bounds, cl.inflated_a_m, cl.z_scale, group, np.cos(params.half_angle_rad), params.max_range_m,
            np.cos(params.sun_exclusion_rad), able, np.ascontiguousarray(thresh), params.zenith_optical_depth,
            params.scale_height_m, WGS84_A_M, WGS84_A_M / WGS84_B_M, counts)
    if engine() == "numba":
        from tracklayer.kernels.coverage import coverage_count_kernel

        coverage_count_kernel(*args)
    else:
        coverage_counts_numpy(*args)
    return counts


def coverage_stats_numpy(counts, weights, covered, total, peak, open_run, gaps, gap_sum, longest, response, series) -> None:
    """Fold a chunk of counts (n, P) into running per-point statistics (in place).

    Parameters
    ----------
    counts : (n, P) satellites able to detect, per step and point
    weights : (P,) area weights summing to 1
    covered : (3, P) steps with > 0, > 1, > 2 satellites
    total, peak : (P,) sum and maximum of the counts
    open_run : (2, P) length (steps) of the gap in progress without >= 1 / >= 2 satellites
    gaps, gap_sum, longest : (2, P) closed gaps: number, total and longest length, steps
    response : (P,) sum over closed >= 1 gaps of L (L + 1) / 2, steps
    series : (n, 4) out: weighted fraction with >= 1, 2, 3 and weighted mean count per step
    """
    c = counts.astype(np.int64)
    for k in range(3):
        covered[k] += (c > k).sum(axis=0)
    total += c.sum(axis=0)
    np.maximum(peak, c.max(axis=0), out=peak)
    for k in range(3):
        series[:, k] = (c > k).astype(np.float64) @ weights
    series[:, 3] = c.astype(np.float64) @ weights
    for row in c:
        for level in (0, 1):
            up = row > level
            ending = up & (open_run[level] > 0)
            length = open_run[level, ending]
            gaps[level, ending] += 1
            gap_sum[level, ending] += length
            longest[level, ending] = np.maximum(longest[level, ending], length)
            if level == 0:
                response[ending] += length * (length + 1) / 2.0
            open_run[level, up] = 0
            open_run[level, ~up] += 1


class _Accumulator:
    """Streaming per-point statistics over time chunks (O(points) state)."""

    def __init__(self, n_points: int, weights: np.ndarray):
        self.n = 0
        self.w = weights / weights.sum()
        self.covered = np.zeros((3, n_points), dtype=np.int64)
        self.total = np.zeros(n_points, dtype=np.int64)
        self.peak = np.zeros(n_points, dtype=np.int64)
        self.open = np.zeros((2, n_points), dtype=np.int64)
        self.gaps = np.zeros((2, n_points), dtype=np.int64)
        self.gap_sum = np.zeros((2, n_points), dtype=np.int64)
        self.longest = np.zeros((2, n_points), dtype=np.int64)
        self.resp = np.zeros(n_points, dtype=np.float64)
        self.series: list[np.ndarray] = []

    def add(self, counts: np.ndarray) -> None:
        series = np.zeros((counts.shape[0], 4))
        args = (counts, self.w, self.covered, self.total, self.peak, self.open, self.gaps, self.gap_sum, self.longest, self.resp, series)
        if engine() == "numba":
            from tracklayer.kernels.coverage import coverage_stats_kernel

            coverage_stats_kernel(*args)
        else:
            coverage_stats_numpy(*args)
        self.series.append(series)
        self.n += counts.shape[0]

    def finish(self, step_s: float) -> dict[str, np.ndarray]:
        """Close the gaps still open at the window's end; per-point figures of merit."""
        length = self.open
        ended = length > 0
        self.gaps += ended
        self.gap_sum += length
        np.maximum(self.longest, length, out=self.longest)
        self.resp += length[0] * (length[0] + 1) / 2.0
        n = max(self.n, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_gap = self.gap_sum * step_s / self.gaps
        return {
            "frac_1": self.covered[0] / n,
            "frac_2": self.covered[1] / n,
            "frac_3": self.covered[2] / n,
            "mean_assets": self.total / n,
            "max_assets": self.peak,
            "gaps_1": self.gaps[0],
            "longest_gap_1_s": self.longest[0] * step_s,
            "mean_gap_1_s": mean_gap[0],
            "mean_response_1_s": self.resp * step_s / n,
            "longest_gap_2_s": self.longest[1] * step_s,
            "mean_gap_2_s": mean_gap[1],
        }


def compute_coverage(scenario, duration_s: float | None = None, step_s: float | None = None, targets: list | None = None,
                     chunk_steps: int = 120, workers: int | None = None, progress=None) -> CoverageResult:
    """Coverage figures of merit of a scenario's constellations (schema ``coverage`` block).

    Parameters
    ----------
    scenario : a validated `tracklayer.scenario.schema.Scenario`
    duration_s, step_s, targets : override the block's window, step and reference targets
    chunk_steps : time steps per chunk (memory: chunk_steps x points x 2 bytes per worker)
    workers : threads (default: min(2, CPUs)); results do not depend on it
    progress : optional callback (done, total) in chunks
    """
    from tracklayer.orbits.constellation import build_satellites

    spec = scenario.coverage
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    grid = TimeGrid.uniform(scenario.epoch, spec.duration_s if duration_s is None else duration_s,
                            spec.step_s if step_s is None else step_s, scenario.dut1_s)
    sats = build_satellites(scenario.constellations, grid)
    params = InfraredParams.from_constellations(scenario.constellations, sats.constellation)
    theta = grid.gmst_rad()
    r_ecef = eci_to_ecef(sats.r_eci_m, theta[:, None])
    sun_ecef = eci_to_ecef(sun_direction_eci(grid), theta)
    timings["orbits"] = time.perf_counter() - t0

    lat, lon, shape = grid_latlon(spec)
    step = float(grid.t_s[1] - grid.t_s[0]) if len(grid) > 1 else float(spec.step_s)
    values, group = group_of(params.grazing_m)
    n_workers = workers or min(2, os.cpu_count() or 1)
    chunks = [slice(a, min(a + chunk_steps, len(grid))) for a in range(0, len(grid), chunk_steps)]
    targets = spec.targets if targets is None else targets
    grid_parts, series_parts = [], []
    t0 = time.perf_counter()
    done = 0
    for target in targets:
        alt = target.altitude_km * 1e3
        pts = geodetic_to_ecef(lat * DEG, lon * DEG, np.full(lat.size, alt))
        cl = TargetClusters.build(pts, values)
        tgt = np.ascontiguousarray(pts[cl.order])
        tnorm = np.linalg.norm(tgt, axis=1)
        able, thresh = detection_thresholds(params, target.intensity_kw_sr * 1e3, alt, spec.pd_min)
        acc = _Accumulator(lat.size, np.cos(lat[cl.order] * DEG))

        def work(sl: slice) -> np.ndarray:  # runs to completion within this iteration
            return _counts(np.ascontiguousarray(r_ecef[sl]), np.ascontiguousarray(sun_ecef[sl]), cl, tgt, tnorm, alt, params,  # noqa: B023
                           group, able, thresh)  # noqa: B023

        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            for wave in range(0, len(chunks), n_workers):
                for counts in pool.map(work, chunks[wave:wave + n_workers]):
                    acc.add(counts)
                    done += 1
                    if progress is not None:
                        progress(done, len(chunks) * len(targets))
        stats = acc.finish(step)
        back = np.empty_like(cl.order)
        back[cl.order] = np.arange(cl.order.size)
        grid_parts.append({
            "target": np.full(lat.size, target.name, dtype=object),
            "altitude_km": np.full(lat.size, target.altitude_km),
            "intensity_kw_sr": np.full(lat.size, target.intensity_kw_sr),
            "lat_deg": lat,
            "lon_deg": lon,
            **{k: v[back] for k, v in stats.items()},
        })
        ser = np.concatenate(acc.series, axis=0)
        series_parts.append({
            "target": np.full(len(grid), target.name, dtype=object),
            "t_s": grid.t_s,
            "area_1": ser[:, 0],
            "area_2": ser[:, 1],
            "area_3": ser[:, 2],
            "mean_assets": ser[:, 3],
        })
    timings["coverage"] = time.perf_counter() - t0
    grid_table = Table({k: np.concatenate([g[k] for g in grid_parts]) for k in GRID_COLUMNS})
    series = Table({k: np.concatenate([s[k] for s in series_parts]) for k in SERIES_COLUMNS})
    return CoverageResult(grid_table, series, shape, grid.iso(0.0), step, len(grid), len(sats), timings)


def run_coverage(scenario) -> CoverageResult:
    """Coverage over a run's own window: the scenario's duration at the coverage
    block's step (at most the duration); what the run report draws."""
    return compute_coverage(scenario, duration_s=scenario.duration_s, step_s=min(scenario.coverage.step_s, scenario.duration_s))


def summary(result: CoverageResult) -> Table:
    """One row per target: area-weighted (cos latitude) means of the per-point figures."""
    g = result.grid
    rows: dict[str, list] = {k: [] for k in ("target", "altitude_km", "intensity_kw_sr", "frac_1", "frac_2", "frac_3",
                                             "mean_assets", "worst_longest_gap_1_s", "mean_response_1_s")}
    for name in dict.fromkeys(g["target"].tolist()):
        m = g["target"] == name
        w = np.cos(g["lat_deg"][m] * DEG)
        rows["target"].append(name)
        rows["altitude_km"].append(float(g["altitude_km"][m][0]))
        rows["intensity_kw_sr"].append(float(g["intensity_kw_sr"][m][0]))
        for k in ("frac_1", "frac_2", "frac_3", "mean_assets", "mean_response_1_s"):
            rows[k].append(float(np.average(g[k][m], weights=w)))
        rows["worst_longest_gap_1_s"].append(float(g["longest_gap_1_s"][m].max()))
    return Table({k: np.array(v, dtype=object if k == "target" else np.float64) for k, v in rows.items()})
