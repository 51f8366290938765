"""Impact-point prediction scored against the truth, and the quality-gated warning time
(docs/impact.md).

Ballistic threats: a track's predicted impact point (`tracklayer.tracking.impact`) is
good enough once it lies within ``miss_threshold_km`` of where the threat really came
down. Glide vehicles (no ballistic impact point): once the disc the vehicle can still
reach (equilibrium-glide range from its energy) is smaller than ``area_threshold_km2``.
The quality-gated warning counts from the first confirmed track row of the threat
(every row, not the impact table's cadence) that meets the threshold; for a glide
vehicle only rows after its boost count (the reach of a vehicle still accelerating
is no bound).
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import DEG, R_EARTH_MEAN_M
from tracklayer.earth.frames import ecef_to_geodetic, eci_to_ecef, great_circle
from tracklayer.earth.time import TimeGrid
from tracklayer.table import Table
from tracklayer.threats import BOOST, PHASES
from tracklayer.threats.fly import Truth
from tracklayer.tracking import CONFIRMED
from tracklayer.tracking.impact import ballistic_impact, glide_reach_m, impact_ellipse

WARNING_COLUMNS = {
    "warning_time_ipp_s": "impact - first time a confirmed track's impact prediction is good enough (ballistic: within "
    "impact.miss_threshold_km of the true impact; glide, after its boost: reachable area below impact.area_threshold_km2), s",
    "ipp_error_at_first_track_m": "ballistic: distance of the first confirmed track's predicted impact point from the true impact, m",
    "threatened_area_after_boost_m2": "glide: area the vehicle could still reach at the first confirmed track row after its boost, m^2",
}
"""Columns the impact prediction adds to the metrics table."""

IMPACT_COLUMNS = {
    "t_s": "time of the track row, s since epoch",
    "node": "tracking node (the lead picture)",
    "track_id": "track id",
    "truth_id": "assigned threat (-1: none)",
    "threat": "assigned threat's name ('' when none)",
    "phase": "assigned threat's flight phase at t_s ('' when none)",
    "kind": "assigned threat's kind: ballistic or hgv ('' when none; unassigned tracks get a ballistic prediction)",
    "impact_t_s": "ballistic: predicted impact time, s since epoch",
    "impact_lat_deg": "ballistic: predicted impact latitude (WGS 84), deg",
    "impact_lon_deg": "ballistic: predicted impact longitude, deg",
    "semi_major_m": "ballistic: 1-sigma semi-major axis of the impact error ellipse (east/north plane), m",
    "semi_minor_m": "ballistic: 1-sigma semi-minor axis, m",
    "orientation_deg": "ballistic: direction of the major axis, deg from north towards east, [0, 180)",
    "ipp_error_m": "ballistic: distance of the predicted from the true impact point, m",
    "reach_m": "glide: ground range the vehicle could still cover (equilibrium glide from its energy), m",
    "threatened_area_m2": "glide: area of the reachable disc, pi reach^2, m^2",
    "true_impact_range_m": "glide: distance from the track's ground point to the true impact, m (inside the disc when <= reach_m)",
    "true_impact_lat_deg": "where the assigned threat came down, deg",
    "true_impact_lon_deg": "where the assigned threat came down, deg",
}
"""Columns of the impact table (``impact.parquet``)."""


def _impact_of(truth: Truth) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True impact latitude, longitude (rad) and maximum L/D of every threat."""
    assert truth.impact_lat_rad is not None and truth.impact_lon_rad is not None and truth.lift_to_drag is not None
    return truth.impact_lat_rad, truth.impact_lon_rad, truth.lift_to_drag


def _distance_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    return great_circle(lat1, lon1, lat2, lon2)[0] * R_EARTH_MEAN_M


def _glide_rows(truth: Truth, truth_id: np.ndarray) -> np.ndarray:
    return (truth_id >= 0) & (truth.kind[np.maximum(truth_id, 0)] == "hgv")


def impact_quality(truth: Truth, grid: TimeGrid, x: np.ndarray, t_s: np.ndarray, truth_id: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per track row (assigned to a threat): the distance (m) of the predicted impact of
    the state ``x`` (N, >= 6) from the threat's true impact (ballistic threats; NaN for
    glide vehicles) and the area (m^2) a glide vehicle could still reach (NaN for
    ballistic threats)."""
    glide = _glide_rows(truth, truth_id)
    lat_true, lon_true, ld = _impact_of(truth)
    err = np.full(t_s.shape[0], np.nan)
    area = np.full(t_s.shape[0], np.nan)
    b = np.nonzero(~glide)[0]
    if b.size:
        _, _, lat, lon = ballistic_impact(x[b, :3], x[b, 3:6], t_s[b], grid.gmst_rad)
        i = truth_id[b]
        err[b] = _distance_m(lat, lon, lat_true[i], lon_true[i])
    g = np.nonzero(glide)[0]
    if g.size:
        area[g] = np.pi * glide_reach_m(x[g, :3], x[g, 3:6], ld[truth_id[g]]) ** 2
    return err, area


def impact_warning(truth: Truth, grid: TimeGrid, tracks: Table, settings) -> dict[str, np.ndarray]:
    """Per threat (arrays of length N threats; columns `WARNING_COLUMNS`) for one node's
    scored tracks (``truth_id`` from `assign_truth`); ``settings``: the scenario's
    `ImpactPrediction` section. Every confirmed, assigned row is evaluated; a glide
    vehicle's rows count only once its boost has ended (the reach is that of unpowered
    flight)."""
    n = len(truth)
    rows = np.nonzero((tracks["status"] == CONFIRMED) & (tracks["truth_id"] >= 0))[0]
    rows = rows[np.argsort(tracks["t_s"][rows], kind="stable")]
    t, who = tracks["t_s"][rows], tracks["truth_id"][rows]
    err, area = impact_quality(truth, grid, tracks["x"][rows], t, who)
    powered = truth.phase[np.searchsorted(grid.t_s, t), who] == BOOST
    glide = _glide_rows(truth, who)
    good = np.where(glide, (area <= settings.area_threshold_km2 * 1e6) & ~powered, err <= settings.miss_threshold_km * 1e3)
    out = {k: np.full(n, np.nan) for k in WARNING_COLUMNS}
    for i in range(n):
        mine = who == i
        if not mine.any():
            continue
        ok = good[mine]
        out["warning_time_ipp_s"][i] = truth.impact_t_s[i] - t[mine][np.argmax(ok)] if ok.any() else np.nan
        out["ipp_error_at_first_track_m"][i] = err[mine][0]
        coasting = area[mine & ~powered]
        out["threatened_area_after_boost_m2"][i] = coasting[0] if coasting.size else np.nan
    return out


def impact_table(truth: Truth, grid: TimeGrid, tracks: Table, node: str, settings) -> Table:
    """The impact table (columns `IMPACT_COLUMNS`): the confirmed rows of one node's scored
    tracks at times that are multiples of ``settings.cadence_s``, and every track's first
    confirmed row."""
    conf = np.nonzero(tracks["status"] == CONFIRMED)[0]
    conf = conf[np.argsort(tracks["t_s"][conf], kind="stable")]
    t_all = tracks["t_s"][conf]
    keep = np.abs(t_all - settings.cadence_s * np.round(t_all / settings.cadence_s)) < 1e-6
    keep[np.unique(tracks["track_id"][conf], return_index=True)[1]] = True
    rows = conf[keep]
    t, who, x = tracks["t_s"][rows], tracks["truth_id"][rows], tracks["x"][rows]
    m = rows.size
    glide = _glide_rows(truth, who)
    known = who >= 0
    safe = np.maximum(who, 0)
    lat_true, lon_true, ld = _impact_of(truth)
    true_lat = np.where(known, lat_true[safe], np.nan)
    true_lon = np.where(known, lon_true[safe], np.nan)
    cols = {k: np.full(m, np.nan) for k in IMPACT_COLUMNS}
    cols.update(t_s=t, node=np.full(m, node, dtype=object), track_id=tracks["track_id"][rows], truth_id=who,
                threat=np.where(known, truth.name[safe], "").astype(object), kind=np.where(known, truth.kind[safe], "").astype(object),
                phase=np.where(known, np.array(PHASES + ("",), dtype=object)[truth.phase[np.searchsorted(grid.t_s, t), safe]], ""),
                true_impact_lat_deg=true_lat / DEG, true_impact_lon_deg=true_lon / DEG)
    b = np.nonzero(~glide)[0]
    if b.size:
        ell = impact_ellipse(x[b], tracks["P"][rows][b], t[b], grid.gmst_rad)
        cols["impact_t_s"][b] = ell["impact_t_s"]
        cols["impact_lat_deg"][b] = ell["lat_rad"] / DEG
        cols["impact_lon_deg"][b] = ell["lon_rad"] / DEG
        for k in ("semi_major_m", "semi_minor_m", "orientation_deg"):
            cols[k][b] = ell[k]
        cols["ipp_error_m"][b] = _distance_m(ell["lat_rad"], ell["lon_rad"], true_lat[b], true_lon[b])
    g = np.nonzero(glide)[0]
    if g.size:
        reach = glide_reach_m(x[g, :3], x[g, 3:6], ld[who[g]])
        cols["reach_m"][g] = reach
        cols["threatened_area_m2"][g] = np.pi * reach**2
        lat, lon, _ = ecef_to_geodetic(eci_to_ecef(x[g, :3], grid.gmst_rad(t[g])))
        cols["true_impact_range_m"][g] = _distance_m(lat, lon, true_lat[g], true_lon[g])
    return Table(cols)


__all__ = ["impact_warning", "impact_table", "impact_quality", "WARNING_COLUMNS", "IMPACT_COLUMNS"]
