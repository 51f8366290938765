"""Coverage figures: maps of the figures of merit over the grid (with coastlines) and
area-weighted time series. Inputs are `tracklayer.metrics.coverage.CoverageResult`s;
`coverage_png` and `coverage_series_png` draw the run report's coverage figures from
the coverage of the run's own window (`tracklayer.metrics.coverage.run_coverage`,
computed by the caller and passed in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tracklayer import palette
from tracklayer.report.basemap import Box, draw_basemap
from tracklayer.report.style import figure, png_bytes

if TYPE_CHECKING:
    from tracklayer.metrics.coverage import CoverageResult
    from tracklayer.results import RunResult

__all__ = ["coverage_maps_png", "coverage_timeseries_png", "coverage_png", "coverage_series_png", "binned", "MAX_BINS"]

PANELS = {
    "frac_1": ("time with >= 1 satellite (%)", 100.0, "viridis", (0.0, 100.0)),
    "frac_2": ("time with >= 2 satellites, stereo (%)", 100.0, "viridis", (0.0, 100.0)),
    "frac_3": ("time with >= 3 satellites (%)", 100.0, "viridis", (0.0, 100.0)),
    "mean_assets": ("mean number of satellites", 1.0, "cividis", None),
    "longest_gap_1_s": ("longest gap with no satellite (min)", 1.0 / 60.0, "magma_r", None),
    "mean_response_1_s": ("mean response time (min)", 1.0 / 60.0, "magma_r", None),
}
"""Map panels: column -> (title, scale to display units, colormap, fixed colour range)."""


def _box(cov: CoverageResult) -> tuple[Box, np.ndarray, np.ndarray, float]:
    n_lat, n_lon = cov.shape
    lat = cov.grid["lat_deg"][: n_lat * n_lon].reshape(n_lat, n_lon)
    lon = cov.grid["lon_deg"][: n_lat * n_lon].reshape(n_lat, n_lon)
    res = float(lon[0, 1] - lon[0, 0]) if n_lon > 1 else float(lat[1, 0] - lat[0, 0]) if n_lat > 1 else 1.0
    lon_e = np.r_[lon[0] - res / 2, lon[0, -1] + res / 2]
    lat_e = np.r_[lat[:, 0] - res / 2, lat[-1, 0] + res / 2]
    return Box(float(lon_e[0]), float(lon_e[-1]), float(max(lat_e[0], -90.0)), float(min(lat_e[-1], 90.0))), lon_e, lat_e, res


def coverage_maps_png(cov: CoverageResult, target: str, columns: tuple[str, ...] = ("frac_1", "frac_2", "longest_gap_1_s"),
                      title: str | None = None) -> bytes:
    """One map per column of the per-point table for one reference target, side by side.

    Parameters
    ----------
    cov : coverage result
    target : reference target name (a value of the table's ``target`` column)
    columns : keys of `PANELS`
    title : figure title (default: names the target and the window)

    Returns
    -------
    PNG bytes.
    """
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    box, lon_e, lat_e, _ = _box(cov)
    rows = cov.grid["target"] == target
    n_lat, n_lon = cov.shape
    aspect = 1.0 / max(np.cos(np.radians(box.lat_center)), 0.2)
    ax_w = 3.6
    ax_h = float(np.clip(ax_w * (box.lat_max - box.lat_min) * aspect / (box.lon_max - box.lon_min), 2.0, 6.0))
    width, height = 0.3 + len(columns) * (ax_w + 0.75), ax_h + 1.45
    alt = float(cov.grid["altitude_km"][rows][0])
    kw = float(cov.grid["intensity_kw_sr"][rows][0])
    with figure(width, height) as fig:
        for i, col in enumerate(columns):
            label, scale, cmap, span = PANELS[col]
            values = cov.grid[col][rows].reshape(n_lat, n_lon) * scale
            left = 0.55 + i * (ax_w + 0.75)
            ax = fig.add_axes((left / width, 0.75 / height, ax_w / width, ax_h / height))
            draw_basemap(ax, box, land_color=None, ocean_color="white")
            lo, hi = span if span else (0.0, max(float(np.nanmax(values)) if np.isfinite(values).any() else 1.0, 1e-9))
            mesh = ax.pcolormesh(lon_e, lat_e, values, cmap=colormaps[cmap], norm=Normalize(lo, hi), shading="flat", zorder=0.15)
            ax.set_xlim(box.lon_min, box.lon_max)
            ax.set_ylim(box.lat_min, box.lat_max)
            ax.set_title(label, loc="left", fontsize=9)
            ax.tick_params(labelsize=7)
            cax = fig.add_axes((left / width, 0.32 / height, ax_w / width, 0.12 / height))
            fig.colorbar(mesh, cax=cax, orientation="horizontal")
            cax.tick_params(labelsize=7)
        fig.suptitle(title or f"coverage of '{target}' ({kw:g} kW/sr at {alt:g} km): {cov.n_steps} steps of {cov.step_s:g} s from {cov.epoch_iso}",
                     x=0.01, ha="left", fontsize=10)
        return png_bytes(fig)


MAX_BINS = 200
"""Most points a coverage time series draws across a panel: a longer series is drawn as the
mean of each bin of consecutive steps, with the bin's minimum to maximum shaded."""


def binned(t_s: np.ndarray, y: np.ndarray, max_bins: int = MAX_BINS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A series in at most ``max_bins`` bins of equal numbers of consecutive steps (the last
    bin may be shorter): (bin mid time, mean, min, max). A short series comes back as is."""
    n = t_s.shape[0]
    size = max(1, -(-n // max_bins))
    if size == 1:
        return t_s, y, y, y
    starts = np.arange(0, n, size)
    counts = np.diff(np.r_[starts, n])
    mean = np.add.reduceat(y, starts) / counts
    return (np.add.reduceat(t_s, starts) / counts, mean, np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts))


def coverage_timeseries_png(cov: CoverageResult, title: str | None = None) -> bytes:
    """Area-weighted fraction of the grid with >= 1 and >= 2 satellites against time, one
    panel per reference target; a series longer than `MAX_BINS` steps is drawn binned
    (`binned`: mean line, min-max band), so a day of passes stays readable. Returns PNG bytes."""
    from matplotlib.patches import Patch

    s = cov.series
    targets = list(dict.fromkeys(s["target"].tolist()))
    n = max(len(targets), 1)
    step_s = float(cov.step_s)
    size = max(1, -(-int(cov.n_steps) // MAX_BINS))
    with figure(9.0, 0.9 + 1.5 * n) as fig:
        axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
        for ax, name in zip(axes, targets):
            m = s["target"] == name
            hours = s["t_s"][m] / 3600.0
            for column, color, style, label in (("area_1", palette.TRACKS[0], "-", ">= 1"), ("area_2", palette.TRACKS[1], "--", ">= 2 (stereo)")):
                t, mean, lo, hi = binned(hours, 100.0 * s[column][m].astype(np.float64))
                if size > 1:
                    ax.fill_between(t, lo, hi, color=color, alpha=0.18, lw=0)
                ax.plot(t, mean, color=color, lw=1.2, ls=style, label=label)
            ax.set_ylim(0, 102)
            ax.set_ylabel("area (%)")
            ax.set_title(name, loc="left", fontsize=9, fontweight="bold", pad=3)
            ax.grid(True, lw=0.4, ls=":")
        axes[-1].set_xlabel(f"hours after {cov.epoch_iso}")
        handles = [*axes[0].get_legend_handles_labels()[0]]
        if size > 1:
            handles.append(Patch(facecolor=palette.UNKNOWN, label=f"min-max over {size * step_s / 60:g} min"))
        fig.legend(handles=handles, loc="upper right", ncol=len(handles), frameon=False, fontsize=7.5)
        fig.suptitle(title or "share of the grid's area with satellites able to detect", x=0.01, ha="left", fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()), h_pad=0.4)
        return png_bytes(fig)


def coverage_png(result: RunResult, cov: CoverageResult) -> bytes:
    """Run report: maps of >= 1 and >= 2 coverage of the first reference target."""
    target = result.scenario.coverage.targets[0]
    return coverage_maps_png(cov, target.name, ("frac_1", "frac_2"),
                             f"space IR coverage of '{target.name}' ({target.intensity_kw_sr:g} kW/sr at {target.altitude_km:g} km) "
                             f"over the run ({cov.n_steps} steps of {cov.step_s:g} s)")


def coverage_series_png(result: RunResult, cov: CoverageResult) -> bytes:
    """Run report: area covered against time for every reference target."""
    return coverage_timeseries_png(cov)
