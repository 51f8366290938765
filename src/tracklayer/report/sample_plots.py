"""Report figure of a run's samples over attack time (`tracklayer.api.sample`): per
threat, the custody of every draw as a strip over its 10-90 % band, with the run's own value marked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tracklayer import palette
from tracklayer.report.style import figure, png_bytes

if TYPE_CHECKING:
    from tracklayer.metrics.spread import SampleRow

DRAW_COLOR = palette.TRACKS[0]
"""The samples' dots."""
ONE_DRAW_COLOR = palette.IR
"""The run's own (one-draw) value."""
BAND_COLOR = palette.BAND
"""The 10-90 % band (the report's table header shade)."""


def samples_png(rows: Sequence[SampleRow]) -> bytes:
    """Custody (%) of each threat's samples, one row per threat in ``rows``' order (the
    custody rows of `tracklayer.metrics.spread.sample_rows`): the 10-90 % band as a bar with
    the median as a tick (the numbers of the report's table), every draw as a dot (spread
    over the row's height by its draw index, so the figure is the same on every call) and
    the run's own value as a diamond. PNG bytes."""
    from matplotlib.patches import Patch

    n = len(rows)
    with figure(7.0, 1.1 + 0.55 * max(n, 1)) as fig:
        ax = fig.add_subplot(1, 1, 1)
        y = np.arange(n)[::-1].astype(np.float64)
        for yk, row in zip(y, rows):
            pct = 100.0 * row.values[np.isfinite(row.values)]
            if pct.size:
                ax.barh(yk, 100.0 * (row.p90 - row.p10), left=100.0 * row.p10, height=0.5, color=BAND_COLOR, edgecolor=palette.JOINT, lw=0.8)
                ax.plot([100.0 * row.median] * 2, [yk - 0.25, yk + 0.25], color=palette.JOINT, lw=2.0)
                jitter = np.linspace(-0.18, 0.18, pct.size) if pct.size > 1 else np.zeros(1)
                ax.plot(pct, yk + jitter, "o", ms=3.5, color=DRAW_COLOR, alpha=0.7, zorder=3)
            if np.isfinite(row.one_draw):
                ax.plot(100.0 * row.one_draw, yk, "D", ms=7, color=ONE_DRAW_COLOR, mec="black", mew=0.6, zorder=4)
        handles = [
            Patch(facecolor=BAND_COLOR, edgecolor=palette.JOINT, label="10-90 % band, median"),
            ax.plot([], [], "o", ms=3.5, color=DRAW_COLOR, label="one attack time drawn over the day")[0],
            ax.plot([], [], "D", ms=7, color=ONE_DRAW_COLOR, mec="black", mew=0.6, label="this run (the scenario as written)")[0],
        ]
        ax.set_yticks(y, [row.threat for row in rows])
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlim(-2.0, 102.0)
        ax.set_xlabel("custody (% of flight)")
        ax.grid(True, axis="x", color=palette.GRID, lw=0.5)
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
        fig.tight_layout()
        return png_bytes(fig)
