"""Figures of the campaign report; each function returns PNG bytes.

The functions take plain arrays (already aggregated by `tracklayer.campaign.analysis`)
and draw with the run report's style (`tracklayer.report.style`): explicit Agg
canvases, no pyplot state. Shaded bands are confidence intervals of a mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tracklayer import palette
from tracklayer.report.style import TRACK_COLORS, figure, png_bytes

if TYPE_CHECKING:
    from matplotlib.artist import Artist

__all__ = ["Series", "Panel", "lines_png", "heatmap_png", "pareto_png", "bars_png"]


@dataclass(frozen=True)
class Series:
    """One line: x positions, mean and interval bounds (NaN where undefined), and
    optionally the runs' 10th and 90th percentiles (drawn dotted)."""

    label: str
    x: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p10: np.ndarray | None = None
    p90: np.ndarray | None = None


@dataclass(frozen=True)
class Panel:
    title: str
    series: Sequence[Series]


def _grid(n: int, width_in: float = 10.0, row_in: float = 2.9, max_cols: int = 3) -> tuple[int, int, float, float]:
    cols = min(n, max_cols) if n > 1 else 1
    if n == 4:
        cols = 2
    rows = math.ceil(n / cols)
    return rows, cols, width_in, row_in * rows + 0.7


def lines_png(panels: Sequence[Panel], xlabel: str, ylabel: str, xticks: Sequence[str] | None = None,
              zero_line: bool = False, legend: bool = False) -> bytes:
    """Panels of lines with shaded confidence bands; one shared legend (when there
    is more than one series, or ``legend``).

    ``xticks``: labels of categorical x positions 0..k-1 (numeric x when None).
    """
    n_series = len({s.label for p in panels for s in p.series})
    rows, cols, w, h = _grid(len(panels))
    with figure(w, h + (0.2 * math.ceil(n_series / 3) if n_series > 1 or legend else 0.0)) as fig:
        fig.set_layout_engine("constrained")
        axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
        handles: dict[str, Artist] = {}
        for ax, panel in zip(axes.flat, panels):
            for i, s in enumerate(panel.series):
                color = TRACK_COLORS[i % len(TRACK_COLORS)]
                style = "-" if i < len(TRACK_COLORS) else "--"
                (line,) = ax.plot(s.x, s.mean, style, marker="o", ms=3.5, lw=1.4, color=color, label=s.label)
                ok = np.isfinite(s.low) & np.isfinite(s.high)
                if ok.any():
                    ax.fill_between(s.x[ok], s.low[ok], s.high[ok], color=color, alpha=0.16, lw=0)
                for bound in (s.p10, s.p90):
                    if bound is not None:
                        ax.plot(s.x, bound, ":", lw=1.0, color=color)
                handles.setdefault(s.label, line)
            if zero_line:
                ax.axhline(0.0, color=palette.FAINT, lw=0.8)
            ax.set_title(panel.title)
            ax.grid(True, color=palette.GRID, lw=0.6)
            if xticks is not None:
                ax.set_xticks(range(len(xticks)), list(xticks))
        for ax in axes[-1]:
            ax.set_xlabel(xlabel)
        for ax in axes[:, 0]:
            ax.set_ylabel(ylabel)
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        if len(handles) > 1 or (legend and handles):
            fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=min(len(handles), 3), frameon=False)
        return png_bytes(fig)


def heatmap_png(panels: Sequence[tuple[str, np.ndarray]], x_labels: Sequence[str], y_labels: Sequence[str],
                xlabel: str, ylabel: str, value_format: str = "{:.0f}", cbar_label: str = "", cmap: str = "viridis") -> bytes:
    """Panels of (ny, nx) matrices over two parameters, each cell annotated with its value."""
    rows, cols, w, h = _grid(len(panels), row_in=0.55 * len(y_labels) + 1.6, max_cols=2)
    finite = np.concatenate([m[np.isfinite(m)] for _, m in panels]) if panels else np.zeros(0)
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    with figure(w, h) as fig:
        axes = fig.subplots(rows, cols, squeeze=False)
        image = None
        for ax, (title, m) in zip(axes.flat, panels):
            image = ax.imshow(np.ma.masked_invalid(m), cmap=cmap, vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1, aspect="auto", origin="lower")
            for (iy, ix), v in np.ndenumerate(m):
                if np.isfinite(v):
                    shade = (v - vmin) / (vmax - vmin) if vmax > vmin else 0.5
                    ax.text(ix, iy, value_format.format(v), ha="center", va="center", fontsize=8, color="white" if shade < 0.55 else "black")
            ax.set_xticks(range(len(x_labels)), list(x_labels))
            ax.set_yticks(range(len(y_labels)), list(y_labels))
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.set_title(title)
            for side in ("top", "right"):
                ax.spines[side].set_visible(True)
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        fig.subplots_adjust(top=0.9, bottom=0.12, hspace=0.55, wspace=0.3, right=0.88)
        if image is not None:
            cax = fig.add_axes((0.905, 0.15, 0.015, 0.7))
            fig.colorbar(image, cax=cax, label=cbar_label)
        return png_bytes(fig)


def pareto_png(cost: np.ndarray, benefit: np.ndarray, color: np.ndarray, on_front: np.ndarray, labels: Sequence[str],
               xlabel: str, ylabel: str, clabel: str) -> bytes:
    """Design points as (cost, benefit) coloured by a third objective; the Pareto
    front's points ringed and labelled, and the two-objective front drawn as a step line."""
    with figure(10.0, 5.2) as fig:
        ax = fig.subplots()
        ok = np.isfinite(cost) & np.isfinite(benefit)
        c = np.where(np.isfinite(color), color, np.nan)
        sc = ax.scatter(cost[ok], benefit[ok], c=c[ok], cmap="viridis", s=46, zorder=3, edgecolors="none")
        ax.scatter(cost[on_front & ok], benefit[on_front & ok], s=120, facecolors="none", edgecolors="black", lw=1.2, zorder=4,
                   label="Pareto front (all objectives)")
        order = np.lexsort((-benefit[ok], cost[ok]))
        xs, ys = cost[ok][order], benefit[ok][order]
        best, sx, sy = -np.inf, [], []
        for x, y in zip(xs, ys):
            if y > best:
                best = y
                sx.append(x)
                sy.append(y)
        if sx:
            ax.step(sx, sy, where="post", color=palette.MUTED, lw=1.0, ls="--", zorder=2, label=f"best {ylabel.split(' (')[0]} for a {xlabel.split(' (')[0]}")
        for x, y, text in zip(cost[on_front & ok], benefit[on_front & ok], np.asarray(labels, dtype=object)[on_front & ok]):
            ax.annotate(text, (x, y), xytext=(5, 4), textcoords="offset points", fontsize=7, color=palette.INK)
        if np.isfinite(c[ok]).any():
            fig.colorbar(sc, ax=ax, label=clabel)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, color=palette.GRID, lw=0.6)
        ax.legend(loc="best", frameon=False)
        fig.subplots_adjust(left=0.08, right=0.97, top=0.95, bottom=0.11)
        return png_bytes(fig)


def bars_png(panels: Sequence[tuple[str, Sequence[str], Sequence[tuple[str, np.ndarray, np.ndarray, np.ndarray]]]], ylabel: Sequence[str]) -> bytes:
    """Grouped bars with interval whiskers: panels of (title, group names, [(series
    label, means, lows, highs)]), one y label per panel."""
    rows, cols, w, h = _grid(len(panels), max_cols=2, row_in=3.1)
    with figure(w, h) as fig:
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax, (title, groups, series), yl in zip(axes.flat, panels, ylabel):
            k = max(len(series), 1)
            width = 0.8 / k
            for i, (label, mean, lo, hi) in enumerate(series):
                x = np.arange(len(groups)) - 0.4 + width * (i + 0.5)
                err = np.vstack([mean - lo, hi - mean])
                err = np.where(np.isfinite(err), err, 0.0)
                ax.bar(x, np.nan_to_num(mean), width * 0.92, color=TRACK_COLORS[i % len(TRACK_COLORS)], label=label)
                ax.errorbar(x, np.nan_to_num(mean), yerr=err, fmt="none", ecolor=palette.INK, elinewidth=1, capsize=3)
            ax.axhline(0.0, color=palette.FAINT, lw=0.8)
            ax.set_xticks(range(len(groups)), list(groups))
            ax.set_title(title)
            ax.set_ylabel(yl)
            ax.grid(True, axis="y", color=palette.GRID, lw=0.6)
            ax.legend(frameon=False, fontsize=7)
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        fig.subplots_adjust(top=0.92, bottom=0.1, hspace=0.5, wspace=0.25)
        return png_bytes(fig)
