"""The report's figures: each function takes a `RunResult` and returns PNG bytes.

Figures are drawn on `matplotlib.figure.Figure` objects with an explicit Agg
canvas (`tracklayer.report.style`), so nothing touches pyplot's global state or
the session's backend. Angles on maps are degrees, times seconds since the
scenario epoch unless an axis says otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tracklayer import palette
from tracklayer.earth.constants import DEG, R_EARTH_MEAN_M
from tracklayer.earth.frames import ecef_to_geodetic, eci_to_ecef
from tracklayer.report.basemap import DEFAULT_BOX, Box, draw_basemap, fit_box, split_at_jumps, wrap_lon
from tracklayer.report.coverage_plots import coverage_png, coverage_series_png
from tracklayer.report.impact_plots import impact_png
from tracklayer.report.panels import threat_panels
from tracklayer.report.style import CUSTODY_COLORS, IR_COLOR, PHASE_COLORS, RADAR_COLOR, TRACK_COLORS, figure, png_bytes
from tracklayer.threats import PHASES

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from tracklayer.results import RunResult
    from tracklayer.scenario.schema import Radar

__all__ = ["map_png", "timeline_png", "track_error_png", "impact_png", "altitude_png", "coverage_png", "coverage_series_png", "scenario_box", "radar_footprint"]


def _runs(values: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of runs of equal consecutive values."""
    if values.shape[0] == 0:
        return []
    cut = np.nonzero(values[1:] != values[:-1])[0] + 1
    starts = np.r_[0, cut]
    stops = np.r_[cut, values.shape[0]]
    return list(zip(starts.tolist(), stops.tolist()))


def _spans(t_s: np.ndarray, step_s: float) -> list[tuple[float, float]]:
    """(start, width) spans, seconds, covering sorted times with gaps > 1.5 steps split."""
    if t_s.shape[0] == 0:
        return []
    t = np.unique(t_s)
    cut = np.nonzero(np.diff(t) > 1.5 * step_s)[0] + 1
    return [(float(g[0]), float(g[-1] - g[0] + step_s)) for g in np.split(t, cut)]


def _step_s(result: RunResult) -> float:
    t = result.state.grid.t_s
    return float(t[1] - t[0]) if t.shape[0] > 1 else 1.0


def _destination(lat_deg: float, lon_deg: float, az_rad: np.ndarray, range_m: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points reached along great circles (mean-radius sphere).

    Parameters
    ----------
    lat_deg, lon_deg : start point, degrees
    az_rad : (K,) initial azimuths from north, radians
    range_m : ground (great-circle) distance, metres

    Returns
    -------
    lat_deg, lon_deg : (K,) degrees; longitudes continuous around the start
    """
    lat1, lon1 = lat_deg * DEG, lon_deg * DEG
    d = np.asarray(range_m, dtype=np.float64) / R_EARTH_MEAN_M
    lat2 = np.arcsin(np.sin(lat1) * np.cos(d) + np.cos(lat1) * np.sin(d) * np.cos(az_rad))
    dlon = np.arctan2(np.sin(az_rad) * np.sin(d) * np.cos(lat1), np.cos(d) - np.sin(lat1) * np.sin(lat2))
    return lat2 / DEG, (lon1 + dlon) / DEG


def radar_footprint(radar: Radar) -> np.ndarray:
    """Ground outline of a radar's coverage as a closed (K, 2) lon/lat ring, degrees.

    ``radar`` is a `tracklayer.scenario.schema.Radar`. A sector radar gives its
    azimuth sector between the minimum range (or the site) and the maximum range;
    a 360 deg radar gives the circle of the maximum range. Ranges are taken as
    great-circle distances on a mean-radius sphere; longitudes are continuous
    around the site (they may leave [-180, 180]).
    """
    site = radar.site
    full = radar.azimuth_width_deg >= 360.0
    if full:
        az = np.linspace(0.0, 2.0 * np.pi, 181)
    else:
        half = 0.5 * radar.azimuth_width_deg
        az = np.radians(np.linspace(radar.azimuth_center_deg - half, radar.azimuth_center_deg + half, 91))
    lat_o, lon_o = _destination(site.lat_deg, site.lon_deg, az, radar.max_range_km * 1e3)
    if full:
        return np.column_stack([lon_o, lat_o])
    if radar.min_range_km > 0:
        lat_i, lon_i = _destination(site.lat_deg, site.lon_deg, az[::-1], radar.min_range_km * 1e3)
    else:
        lat_i, lon_i = np.array([site.lat_deg]), np.array([site.lon_deg])
    lon = np.r_[lon_o, lon_i, lon_o[:1]]
    lat = np.r_[lat_o, lat_i, lat_o[:1]]
    return np.column_stack([lon, lat])


def scenario_box(result: RunResult, margin_deg: float = 8.0) -> Box:
    """Map box around the scenario's launch points, aim points and radar sites, deg.

    Falls back to `DEFAULT_BOX` (95E-175W, 5S-60N) when there is nothing to fit.
    """
    scn = result.scenario
    lon = [t.launch.lon_deg for t in scn.threats] + [t.aim.lon_deg for t in scn.threats] + [r.site.lon_deg for r in scn.radars]
    lat = [t.launch.lat_deg for t in scn.threats] + [t.aim.lat_deg for t in scn.threats] + [r.site.lat_deg for r in scn.radars]
    if not lon:
        return DEFAULT_BOX
    return fit_box(np.array(lon), np.array(lat), margin_deg=margin_deg, min_span_deg=25.0)


def picture_tracks(result: RunResult):
    """The tracks of the lead picture's node (the report's per-threat figures show one
    picture; the network section compares the nodes)."""
    tr = result.tracks
    return tr.take(tr["node"] == result.picture_node)


def _nation_colors(result: RunResult) -> dict[str, str]:
    ids = [n.id for n in result.scenario.nations]
    return {nation: palette.nation_color(nation, ids) for nation in ids}


def _place_labels(ax: Axes, items: list[tuple[float, float, str]], fontsize: float, **text_kw) -> None:
    """Label points right of and below them, moving a label down until it overlaps
    no label placed before it (points taken from north to south).

    Parameters
    ----------
    ax : matplotlib Axes whose limits are final
    items : (x, y, text) in data coordinates
    fontsize : points
    """
    ax.apply_aspect()
    to_pt = 72.0 / ax.figure.dpi
    placed: list[tuple[float, float, float, float]] = []
    for x, y, text in sorted(items, key=lambda it: -it[1]):
        px, py = ax.transData.transform((x, y)) * to_pt
        w, h = 0.56 * fontsize * len(text), 1.2 * fontsize
        dy = -2.0
        for _ in range(12):
            x0, y1 = px + 5.0, py + dy
            if not any(x0 < b[2] and x0 + w > b[0] and y1 - h < b[3] and y1 > b[1] for b in placed):
                break
            dy -= 0.8 * h
        placed.append((x0, y1 - h, x0 + w, y1))
        ax.annotate(text, (x, y), xytext=(5.0, dy), textcoords="offset points", fontsize=fontsize, va="top", **text_kw)


def _phase_segments(x: np.ndarray, y: np.ndarray, phase: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Line segments (K-1, 2, 2) of a polyline and the colour of each, by the phase at its start."""
    pts = np.column_stack([x, y])
    segs = np.stack([pts[:-1], pts[1:]], axis=1)
    return segs, [PHASE_COLORS.get(p, palette.MUTED) for p in phase[:-1]]


def _phase_handles(phases: list[str] | tuple[str, ...] = PHASES) -> list:
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=PHASE_COLORS[p], lw=2.5, label=f"{p} phase") for p in phases]


def map_png(result: RunResult, box: Box | None = None) -> bytes:
    """Map of the theatre: coastlines, threat ground tracks coloured by flight phase
    with launch and aim points, radar coverage sectors coloured by nation,
    satellite ground tracks and (thinned) confirmed track positions.

    Parameters
    ----------
    result : a run result
    box : lon/lat box, degrees (default: `scenario_box`)

    Returns
    -------
    PNG bytes.
    """
    from matplotlib import patheffects
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Polygon

    box = scenario_box(result) if box is None else box
    center = box.lon_center
    scn, grid = result.scenario, result.state.grid
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    aspect = 1.0 / max(np.cos(np.radians(box.lat_center)), 0.2)
    ax_w = 6.4  # inches
    ax_h = float(np.clip(ax_w * (box.lat_max - box.lat_min) * aspect / (box.lon_max - box.lon_min), 3.0, 8.0))
    left, right, bottom, top = 0.75, 2.75, 0.55, 0.4
    width, height = left + ax_w + right, bottom + ax_h + top
    with figure(width, height) as fig:
        ax = fig.add_axes((left / width, bottom / height, ax_w / width, ax_h / height))
        draw_basemap(ax, box)

        # satellite ground tracks, about 400 samples per satellite
        sats = result.state.sats
        if len(sats):
            k = np.arange(0, len(grid), max(1, len(grid) // 400))
            r_ecef = eci_to_ecef(sats.r_eci_m[k], grid.gmst_rad()[k][:, None])
            lat, lon, _ = ecef_to_geodetic(r_ecef)
            lon_w = wrap_lon(lon / DEG, center)
            pieces = [p for s in range(len(sats)) for p in split_at_jumps(lon_w[:, s], lat[:, s] / DEG)]
            ax.add_collection(LineCollection(pieces, colors=palette.FAINT, linewidths=0.45, alpha=0.55, zorder=1))

        # radar coverage
        nation_color = _nation_colors(result)
        for radar in scn.radars:
            ring = radar_footprint(radar)
            lon_w = wrap_lon(ring[:, 0], center)
            lon_w = lon_w[0] + np.unwrap(lon_w - lon_w[0], period=360.0)  # keep the ring in one piece
            color = nation_color.get(radar.nation, palette.MUTED)
            ax.add_patch(Polygon(np.column_stack([lon_w, ring[:, 1]]), closed=True, facecolor=color, alpha=0.07, edgecolor="none", zorder=1.5))
            ax.add_patch(Polygon(np.column_stack([lon_w, ring[:, 1]]), closed=True, facecolor="none", edgecolor=color, lw=0.9, alpha=0.85, zorder=1.6))
            ax.plot(wrap_lon(radar.site.lon_deg, center), radar.site.lat_deg, "s", ms=4.5, mfc=color, mec="black", mew=0.5, zorder=5)

        # threat ground tracks
        truth = result.truth
        for i, spec in enumerate(scn.threats):
            rows = truth["threat_id"] == i
            if not rows.any():
                continue
            lon_w = wrap_lon(truth["lon_deg"][rows], center)
            segs, colors = _phase_segments(lon_w, truth["lat_deg"][rows], truth["phase"][rows])
            jump = np.abs(segs[:, 1, 0] - segs[:, 0, 0]) < 180.0
            ax.add_collection(LineCollection(segs[jump], colors=np.array(colors, dtype=object)[jump].tolist(), linewidths=2.6, zorder=3, capstyle="round"))
            lx, ly = wrap_lon(spec.launch.lon_deg, center), spec.launch.lat_deg
            ax.plot(lx, ly, "^", ms=7, mfc="white", mec="black", mew=1.0, zorder=6)
            ax.plot(wrap_lon(spec.aim.lon_deg, center), spec.aim.lat_deg, "X", ms=7, mfc=palette.MISS, mec="white", mew=0.6, zorder=6)
            ax.annotate(spec.name, (lx, ly), xytext=(-6, 6), textcoords="offset points", ha="right", fontsize=8.5, fontweight="bold", path_effects=halo, zorder=7)

        # confirmed tracks, about one point in ten seconds
        tr = picture_tracks(result)
        conf = tr["status"] == "confirmed"
        every = max(1, int(round(10.0 / _step_s(result))))
        thin = np.mod(np.round(tr["t_s"] / _step_s(result)).astype(np.int64), every) == 0
        on = conf & thin & (tr["truth_id"] >= 0)
        off = conf & thin & (tr["truth_id"] < 0)
        ax.scatter(wrap_lon(tr["lon_deg"][on], center), tr["lat_deg"][on], s=2.5, c="black", linewidths=0, zorder=4)
        ax.scatter(wrap_lon(tr["lon_deg"][off], center), tr["lat_deg"][off], s=9, marker="x", c=palette.FALSE_TRACK, linewidths=0.7, zorder=4)
        ax.set_xlim(box.lon_min, box.lon_max)
        ax.set_ylim(box.lat_min, box.lat_max)
        sites = [(float(wrap_lon(r.site.lon_deg, center)), r.site.lat_deg, r.name) for r in scn.radars]
        _place_labels(ax, sites, fontsize=6.5, color=palette.INK, path_effects=halo, zorder=7)
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.set_title(f"{scn.name}: threats, sensors and confirmed tracks", loc="left")

        handles = _phase_handles([p for p in PHASES if (truth["phase"] == p).any()])
        handles += [
            Line2D([], [], ls="none", marker="^", ms=7, mfc="white", mec="black", label="launch point"),
            Line2D([], [], ls="none", marker="X", ms=7, mfc=palette.MISS, mec="white", label="aim point"),
        ]
        handles += [Patch(facecolor=c, alpha=0.35, edgecolor=c, label=f"radar coverage ({n})") for n, c in nation_color.items() if any(r.nation == n for r in scn.radars)]
        if len(sats):
            handles.append(Line2D([], [], color=palette.FAINT, lw=0.8, label=f"satellite ground tracks ({len(sats)})"))
        if on.any():
            handles.append(Line2D([], [], ls="none", marker="o", ms=3, mfc="black", mec="none", label="confirmed track on a threat"))
        if off.any():
            handles.append(Line2D([], [], ls="none", marker="x", ms=4, mec=palette.FALSE_TRACK, label="confirmed track, no threat"))
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=((left + ax_w + 0.15) / width, 1.0 - top / height), frameon=False, borderaxespad=0.0)
        return png_bytes(fig)


def _threat_phases(result: RunResult, i: int) -> list[tuple[float, float, str]]:
    """(start_s, width_s, phase) of each flight-phase run of threat ``i`` on the grid."""
    t = result.state.grid.t_s
    ph = result.state.truth.phase[:, i]
    step = _step_s(result)
    return [(float(t[a]), float(t[b - 1] - t[a] + step), PHASES[ph[a]]) for a, b in _runs(ph) if ph[a] >= 0]


def _flight_window(result: RunResult, pad_frac: float = 0.03) -> tuple[float, float]:
    """Time axis limits covering every threat's flight, seconds since epoch."""
    tr = result.state.truth
    t0, t1 = float(np.nanmin(tr.launch_t_s)), float(np.nanmax(tr.impact_t_s))
    pad = pad_frac * max(t1 - t0, 1.0)
    t = result.state.grid.t_s
    return max(t0 - pad, float(t[0])), min(t1 + pad, float(t[-1]))


def timeline_png(result: RunResult) -> bytes:
    """Per-threat timeline: flight phases, IR and radar detections, confirmed-track
    custody (one shade per track id) and the number of satellites able to detect it.

    Returns
    -------
    PNG bytes.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    truth = result.state.truth
    t_grid = result.state.grid.t_s
    ir_access = result.state.sensing.ir_access
    det, tr = result.detections, picture_tracks(result)
    step = _step_s(result)
    n_sat = ir_access.sum(axis=1).astype(np.float64)  # (T, N)
    n_sat[~truth.flying] = np.nan
    sat_max = max(2.0, float(np.nanmax(n_sat)) if np.isfinite(n_sat).any() else 0.0)
    xlim = _flight_window(result)
    rows = {"flight phase": 0.0, "confirmed track": 1.0, "radar detection": 2.0, "IR detection": 3.0}
    with threat_panels(result, ncols=1, row_in=1.35, head_in=0.9, sharex=True) as (fig, panels):
        for i, ax in panels:
            twin = ax.twinx()
            twin.fill_between(t_grid, n_sat[:, i], step="mid", color=palette.SHADE, alpha=0.45, linewidth=0, zorder=0)
            twin.set_ylim(0, sat_max * 1.05)
            twin.set_ylabel("satellites able\nto detect", fontsize=7, color=palette.MUTED)
            twin.tick_params(axis="y", labelsize=7, colors=palette.MUTED)
            twin.spines["right"].set_visible(True)
            twin.spines["right"].set_color(palette.FAINT)
            twin.spines["top"].set_visible(False)
            twin.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_zorder(twin.get_zorder() + 1)
            ax.patch.set_visible(False)

            for start, width, phase in _threat_phases(result, i):
                ax.broken_barh([(start, width)], (rows["flight phase"] - 0.3, 0.6), facecolors=PHASE_COLORS[phase], edgecolor="none")
            mine = det["truth_id"] == i
            for kind, row, color in (("angles", "IR detection", IR_COLOR), ("radar", "radar detection", RADAR_COLOR)):
                times = np.unique(det["t_s"][mine & (det["kind"] == kind)])
                ax.vlines(times, rows[row] - 0.3, rows[row] + 0.3, colors=color, linewidths=0.6)
            on = (tr["truth_id"] == i) & (tr["status"] == "confirmed")
            last_label = -np.inf
            for k, tid in enumerate(np.unique(tr["track_id"][on])):
                spans = _spans(tr["t_s"][on & (tr["track_id"] == tid)], step)
                y = rows["confirmed track"]
                ax.broken_barh(spans, (y - 0.3, 0.6), facecolors=CUSTODY_COLORS[k % len(CUSTODY_COLORS)], edgecolor="none")
                if spans[0][0] - last_label > 0.035 * (xlim[1] - xlim[0]):  # skip labels that would collide
                    ax.text(spans[0][0], y + 0.33, f"#{tid}", fontsize=6, color=palette.CUSTODY[1], va="bottom")
                    last_label = spans[0][0]
            ax.axvline(truth.launch_t_s[i], color=palette.MUTED, lw=0.6, ls=":")
            ax.axvline(truth.impact_t_s[i], color=palette.MUTED, lw=0.6, ls=":")
            ax.set_yticks(list(rows.values()), list(rows))
            ax.set_ylim(-0.6, 3.6)
            ax.grid(True, axis="x", color=palette.GRID, lw=0.5)
            ax.tick_params(axis="y", length=0)
        last = panels[-1][1]
        last.set_xlim(*xlim)
        last.set_xlabel(f"time since scenario epoch (s); epoch {result.state.grid.iso(0.0)}")
        handles = _phase_handles([p for p in PHASES if (truth.phase == PHASES.index(p)).any()])
        handles += [
            Line2D([], [], color=IR_COLOR, lw=1.2, label="IR detection"),
            Line2D([], [], color=RADAR_COLOR, lw=1.2, label="radar detection"),
            Patch(facecolor=CUSTODY_COLORS[0], label="confirmed track (#id)"),
            Patch(facecolor=palette.SHADE, alpha=0.6, label="satellites able to detect (right axis)"),
            Line2D([], [], color=palette.MUTED, lw=0.8, ls=":", label="launch / impact"),
        ]
        fig.legend(handles=handles, loc="upper center", ncol=5, frameon=False, bbox_to_anchor=(0.5, 1.0))
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.55 / fig.get_figheight()), h_pad=0.6)
        return png_bytes(fig)


def _error_series(result: RunResult, i: int) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """(track_id, t_s, error_m, sigma_m) of each confirmed track on threat ``i``;
    samples more than 1.5 grid steps apart are separated by a NaN row."""
    tr = picture_tracks(result)
    t_grid = result.state.grid.t_s
    r_truth = result.state.truth.r_eci_m
    step = _step_s(result)
    on = (tr["truth_id"] == i) & (tr["status"] == "confirmed")
    out = []
    for tid in np.unique(tr["track_id"][on]):
        sel = np.nonzero(on & (tr["track_id"] == tid))[0]
        sel = sel[np.argsort(tr["t_s"][sel], kind="stable")]
        t = tr["t_s"][sel]
        k = np.clip(np.searchsorted(t_grid, t), 0, t_grid.shape[0] - 1)
        err = np.linalg.norm(tr["x"][sel, :3] - r_truth[k, i], axis=1)
        sig = tr["position_sigma_m"][sel].astype(np.float64)
        gap = np.nonzero(np.diff(t) > 1.5 * step)[0] + 1
        t, err, sig = (np.insert(a.astype(np.float64), gap, np.nan) for a in (t, err, sig))
        out.append((int(tid), t, err, sig))
    return out


def track_error_png(result: RunResult) -> bytes:
    """Per threat: 3-D position error of each confirmed track assigned to it (solid)
    and the track's own 1-sigma position uncertainty, sqrt(trace P_pos) (dashed),
    against time, log scale, over the flight phases (shaded).

    Returns
    -------
    PNG bytes.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    truth = result.state.truth
    with threat_panels(result, ncols=2, row_in=2.5, head_in=0.9, sharey=True) as (fig, panels):
        ncols = 1 if len(panels) == 1 else 2
        series = {i: _error_series(result, i) for i, _ in panels}
        values = np.concatenate([np.r_[e, s] for ser in series.values() for _, _, e, s in ser] or [np.array([1.0, 1e4])])
        values = values[np.isfinite(values) & (values > 0)]
        lo = 10 ** np.floor(np.log10(max(values.min(), 1e-1))) if values.size else 1.0
        hi = 10 ** np.ceil(np.log10(values.max())) if values.size else 1e4
        for k_panel, (i, ax) in enumerate(panels):
            for start, width, phase in _threat_phases(result, i):
                ax.axvspan(start, start + width, color=PHASE_COLORS[phase], alpha=0.10, lw=0)
            for k, (tid, t, err, sig) in enumerate(series[i]):
                color = TRACK_COLORS[k % len(TRACK_COLORS)]
                ax.plot(t, err, color=color, lw=1.0, label=f"track #{tid}")
                ax.plot(t, sig, color=color, lw=1.0, ls="--")
            if not series[i]:
                ax.text(0.5, 0.5, "no confirmed track on this threat", transform=ax.transAxes, ha="center", va="center", color=palette.FAINT)
            else:
                ax.legend(loc="upper right", ncol=min(3, len(series[i])), fontsize=7, frameon=True, framealpha=0.8)
            ax.set_yscale("log")
            ax.set_ylim(lo, hi)
            ax.set_xlim(truth.launch_t_s[i] - 10, truth.impact_t_s[i] + 10)
            ax.grid(True, which="major", color=palette.GRID, lw=0.5)
            if k_panel % ncols == 0:
                ax.set_ylabel("3-D position error (m)")
            if k_panel >= len(panels) - ncols:
                ax.set_xlabel("time since scenario epoch (s)")
        handles: list[Artist] = [
            Line2D([], [], color=palette.INK, lw=1.0, label="position error |x - truth|"),
            Line2D([], [], color=palette.INK, lw=1.0, ls="--", label="track 1-sigma, sqrt(trace P_pos)"),
        ]
        handles += [Patch(facecolor=PHASE_COLORS[p], alpha=0.25, label=f"{p} phase") for p in PHASES if (truth.phase == PHASES.index(p)).any()]
        fig.legend(handles=handles, loc="upper center", ncol=len(handles), frameon=False, bbox_to_anchor=(0.5, 1.0))
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / fig.get_figheight()))
        return png_bytes(fig)


def altitude_png(result: RunResult) -> bytes:
    """Altitude of each threat against time since launch and against ground range
    from the launch point (great circle), coloured by flight phase.

    Returns
    -------
    PNG bytes.
    """
    from matplotlib import patheffects
    from matplotlib.collections import LineCollection

    truth, scn = result.truth, result.scenario
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    with figure(10.0, 4.2) as fig:
        ax_t, ax_r = fig.subplots(1, 2, sharey=True)
        top = 0.0
        for i, spec in enumerate(scn.threats):
            rows = np.nonzero(truth["threat_id"] == i)[0]
            if rows.size < 2:
                continue
            rows = rows[np.argsort(truth["t_s"][rows], kind="stable")]
            alt_km = truth["alt_m"][rows] / 1e3
            t_rel = truth["t_s"][rows] - truth["t_s"][rows[0]]
            lat1, lon1 = spec.launch.lat_deg * DEG, spec.launch.lon_deg * DEG
            lat2, lon2 = truth["lat_deg"][rows] * DEG, truth["lon_deg"][rows] * DEG
            a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
            range_km = 2.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))) * R_EARTH_MEAN_M / 1e3
            phase = truth["phase"][rows]
            for ax, x in ((ax_t, t_rel), (ax_r, range_km)):
                segs, colors = _phase_segments(x, alt_km, phase)
                # matplotlib's stubs type the segments as a Sequence; it takes the (K, 2, 2) array.
                ax.add_collection(LineCollection(segs, colors=colors, linewidths=2.2, capstyle="round"))  # type: ignore[arg-type]
                j = int(0.55 * (x.shape[0] - 1))  # along the flight, where names rarely collide
                ax.annotate(spec.name, (x[j], alt_km[j]), xytext=(0, 5), textcoords="offset points", ha="center", fontsize=8,
                            fontweight="bold", path_effects=halo)
            top = max(top, float(alt_km.max()))
            ax_t.set_xlim(0, max(ax_t.get_xlim()[1] if i else 0.0, float(t_rel[-1]) * 1.03))
            ax_r.set_xlim(0, max(ax_r.get_xlim()[1] if i else 0.0, float(range_km.max()) * 1.03))
        ax_t.set_ylim(0, top * 1.1 + 1.0)
        ax_t.set_xlabel("time since launch (s)")
        ax_r.set_xlabel("ground range from launch point (km)")
        ax_t.set_ylabel("altitude above WGS 84 (km)")
        ax_t.set_title("altitude vs time", loc="left")
        ax_r.set_title("altitude vs ground range", loc="left")
        for ax in (ax_t, ax_r):
            ax.grid(True, color=palette.GRID, lw=0.5)
        present = [p for p in PHASES if (truth["phase"] == p).any()]
        fig.legend(handles=_phase_handles(present), loc="upper center", ncol=len(present), frameon=False, bbox_to_anchor=(0.5, 1.0))
        fig.tight_layout(rect=(0, 0, 1, 0.92))
        return png_bytes(fig)
