"""Report figure of the impact predictions (docs/impact.md): predicted impact points and
their error ellipses near the true impact for ballistic threats; the reachable radius
of glide vehicles over time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tracklayer import palette
from tracklayer.earth.constants import DEG, R_EARTH_MEAN_M
from tracklayer.report.panels import threat_panels
from tracklayer.report.style import PHASE_COLORS, png_bytes

if TYPE_CHECKING:
    from tracklayer.results import RunResult

BOX_KM = 150.0
"""Half-width of the map panel around the true impact point, km."""


def _ballistic_panel(ax, rows, miss_km: float) -> None:
    from matplotlib.patches import Circle, Ellipse

    lat0, lon0 = rows["true_impact_lat_deg"][0], rows["true_impact_lon_deg"][0]
    east = (np.mod(rows["impact_lon_deg"] - lon0 + 180.0, 360.0) - 180.0) * DEG * R_EARTH_MEAN_M * np.cos(lat0 * DEG) / 1e3
    north = (rows["impact_lat_deg"] - lat0) * DEG * R_EARTH_MEAN_M / 1e3
    t = rows["t_s"]
    inside = (np.abs(east) <= BOX_KM) & (np.abs(north) <= BOX_KM)
    sc = ax.scatter(east[inside], north[inside], c=t[inside], cmap="viridis", s=9, zorder=3, vmin=t.min(), vmax=t.max())
    for e, n, a, b, o in zip(east[inside], north[inside], rows["semi_major_m"][inside], rows["semi_minor_m"][inside], rows["orientation_deg"][inside]):
        if np.isfinite(a):
            ax.add_patch(Ellipse((e, n), 2 * a / 1e3, 2 * b / 1e3, angle=90.0 - o, fill=False, lw=0.5, color=palette.MUTED, alpha=0.6))
    ax.add_patch(Circle((0.0, 0.0), miss_km, fill=False, ls="--", lw=0.8, color=palette.MISS))
    ax.plot(0.0, 0.0, "k+", ms=10, mew=1.5, zorder=4)
    ax.set_xlim(-BOX_KM, BOX_KM)
    ax.set_ylim(-BOX_KM, BOX_KM)
    ax.set_aspect("equal")
    ax.set_xlabel("east of the true impact (km)")
    ax.set_ylabel("north (km)")
    out = int((~inside).sum())
    if out:
        ax.text(0.02, 0.02, f"{out} earlier prediction(s) outside", transform=ax.transAxes, fontsize=7, color=palette.MUTED)
    ax.figure.colorbar(sc, ax=ax, label="track time (s)", fraction=0.046, pad=0.04) if inside.any() else None


def _glide_panel(ax, rows, area_km2: float) -> None:
    t = rows["t_s"]
    boost = rows["phase"] == "boost"
    ax.semilogy(t, rows["reach_m"] / 1e3, ".", ms=3, color=PHASE_COLORS["glide"], label="reach (glide range from the track's energy)")
    ax.semilogy(t[boost], rows["reach_m"][boost] / 1e3, ".", ms=3, color=PHASE_COLORS["boost"], label="reach during boost (not counted)")
    ax.semilogy(t, np.maximum(rows["true_impact_range_m"], 1.0) / 1e3, ".", ms=2, color=palette.INK, label="distance to the true impact")
    ax.axhline(np.sqrt(area_km2 / np.pi), ls="--", lw=0.8, color=palette.MISS, label="threshold radius")
    ax.set_xlabel("time since scenario epoch (s)")
    ax.set_ylabel("radius (km)")
    ax.grid(True, which="major", color=palette.GRID, lw=0.5)
    ax.legend(fontsize=6, loc="lower left")


def impact_png(result: RunResult) -> bytes:
    """One panel per threat of the lead picture's impact table; PNG bytes."""
    truth = result.state.truth
    table = result.impact
    settings = result.scenario.impact
    with threat_panels(result, ncols=2, row_in=3.6, head_in=0.6) as (fig, panels):
        for i, ax in panels:
            rows = table.take(table["truth_id"] == i) if table is not None else None
            if rows is None or not rows.num_rows:
                ax.text(0.5, 0.5, "no confirmed track on this threat", transform=ax.transAxes, ha="center", va="center", color=palette.FAINT)
            elif truth.kind[i] == "hgv":
                _glide_panel(ax, rows, settings.area_threshold_km2)
            else:
                _ballistic_panel(ax, rows, settings.miss_threshold_km)
        fig.tight_layout()
        return png_bytes(fig)
