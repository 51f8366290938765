"""The coverage time series: binned when long, so a day at one-minute steps draws at most
MAX_BINS points per line, one panel per reference target."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.lines import Line2D

from tracklayer.report import coverage_plots
from tracklayer.report.coverage_plots import MAX_BINS, binned, coverage_timeseries_png
from tracklayer.table import Table


def test_bins_keep_mean_and_extremes():
    t = np.arange(10.0)
    y = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9.0])
    tb, mean, lo, hi = binned(t, y, max_bins=4)  # bins of 3, 3, 3, 1
    assert tb.tolist() == [1.0, 4.0, 7.0, 9.0] and mean.tolist() == [1.0, 4.0, 7.0, 9.0]
    assert lo.tolist() == [0, 3, 6, 9] and hi.tolist() == [2, 5, 8, 9]
    assert all(a is b for a, b in zip(binned(t, y, max_bins=10)[1:], (y, y, y)))  # short: as is


def _cov(steps: int, targets=("dim", "bright", "boost")):
    t = np.arange(steps) * 60.0
    rng = np.random.default_rng(0)
    parts = {"target": [], "t_s": [], "area_1": [], "area_2": []}
    for name in targets:
        a1 = rng.uniform(0.2, 1.0, steps)
        parts["target"] += [name] * steps
        parts["t_s"].append(t)
        parts["area_1"].append(a1)
        parts["area_2"].append(a1 * rng.uniform(0, 1, steps))
    series = Table({"target": np.array(parts["target"], dtype=object), **{k: np.concatenate(parts[k]) for k in ("t_s", "area_1", "area_2")}})
    return SimpleNamespace(series=series, step_s=60.0, n_steps=steps, epoch_iso="2025-01-01T00:00:00Z")


@pytest.mark.parametrize("steps", [90, 1440])
def test_a_day_is_drawn_binned_one_panel_per_target(monkeypatch, steps):
    seen = {}

    def keep(fig):
        axes = [ax for ax in fig.axes if ax.get_visible()]
        seen["panels"] = len(axes)
        seen["points"] = [len(line.get_xdata()) for ax in axes for line in ax.get_lines() if isinstance(line, Line2D)]
        seen["bands"] = sum(len(ax.collections) for ax in axes)
        return b"png"

    monkeypatch.setattr(coverage_plots, "png_bytes", keep)
    coverage_timeseries_png(_cov(steps))
    assert seen["panels"] == 3
    assert len(seen["points"]) == 6 and max(seen["points"]) <= MAX_BINS
    assert seen["bands"] == (6 if steps > MAX_BINS else 0)
