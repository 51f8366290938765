"""Coverage figures: maps of the figures of merit over the grid (with coastlines) and
area-weighted time series. Inputs are `tracklayer.metrics.coverage.CoverageResult`s;
`coverage_png` and `coverage_series_png` draw the run report's coverage figures from
the coverage of the run's own window (`tracklayer.metrics.coverage.run_coverage`,
computed by the caller and passed in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tracklayer.report.basemap import Box, draw_basemap
from tracklayer.report.style import figure, png_bytes

if TYPE_CHECKING:
    from tracklayer.metrics.coverage import CoverageResult
    from tracklayer.results import RunResult

__all__ = ["coverage_maps_png", "coverage_timeseries_png", "coverage_png", "coverage_series_png"]

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


def coverage_timeseries_png(cov: CoverageResult, title: str | None = None) -> bytes:
    """Area-weighted fraction of the grid with >= 1 (solid) and >= 2 (dashed) satellites
    against time, one colour per reference target. Returns PNG bytes."""
    from tracklayer.report.style import TRACK_COLORS

    s = cov.series
    with figure(9.0, 3.4) as fig:
        ax = fig.add_axes((0.07, 0.15, 0.62, 0.72))
        for i, name in enumerate(dict.fromkeys(s["target"].tolist())):
            m = s["target"] == name
            color = TRACK_COLORS[i % len(TRACK_COLORS)]
            hours = s["t_s"][m] / 3600.0
            ax.plot(hours, 100 * s["area_1"][m], color=color, lw=1.2, label=f"{name}: >= 1")
            ax.plot(hours, 100 * s["area_2"][m], color=color, lw=1.0, ls="--", label=f"{name}: >= 2 (stereo)")
        ax.set_ylim(0, 102)
        ax.set_xlabel(f"hours after {cov.epoch_iso}")
        ax.set_ylabel("area covered (%)")
        ax.grid(True, lw=0.4, ls=":")
        ax.set_title(title or "share of the grid's area with satellites able to detect", loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=7.5)
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
