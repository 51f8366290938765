"""One panel per threat, for the report's per-threat figures (timeline, track error,
impact, custody by node): the grid, the panel titles and the cap on their number.

A scenario of many threats would make a figure of hundreds of panels, slow to draw
and too tall to read; `threat_panels` draws at most `MAX_PANELS` of them (the first,
in scenario order) and the report says which (`panel_note`): its tables list every
threat.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from tracklayer.report.style import figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from tracklayer.results import RunResult

__all__ = ["MAX_PANELS", "panel_threats", "panel_note", "threat_panels"]

MAX_PANELS = 12
"""Most threats a per-threat figure draws a panel for."""


def panel_threats(n_threats: int, cap: int = MAX_PANELS) -> list[int]:
    """Indices of the threats that get a panel: the first ``cap`` in scenario order."""
    return list(range(min(n_threats, cap)))


def panel_note(n_threats: int, cap: int = MAX_PANELS) -> str:
    """A sentence for the captions of the per-threat figures when they leave threats out
    ('' when every threat has its panel)."""
    if n_threats <= cap:
        return ""
    return (f" Panels for the first {cap} of the {n_threats} threats (scenario order); the other {n_threats - cap} "
            "are in the summary tables.")


@contextmanager
def threat_panels(result: RunResult, *, ncols: int, row_in: float, head_in: float, width_in: float = 10.0,
                  cap: int = MAX_PANELS, **subplots: Any) -> Iterator[tuple[Figure, list[tuple[int, Axes]]]]:
    """A figure (`tracklayer.report.style.figure`) with one titled panel per threat shown.

    Parameters
    ----------
    result : the run; panels are titled with each threat's name and kind
    ncols : columns of panels (one when a single threat is shown)
    row_in, head_in : height of a row of panels and of the rest (legend, labels), inches
    width_in : figure width, inches
    cap : most panels (`panel_threats`)
    subplots : passed to `matplotlib.figure.Figure.subplots` (sharex, sharey)

    Yields
    ------
    (figure, [(threat index, Axes)]) ; unused grid cells are hidden.
    """
    truth = result.state.truth
    shown = panel_threats(len(truth), cap)
    cols = 1 if len(shown) <= 1 else ncols
    rows = max(1, math.ceil(len(shown) / cols))
    with figure(width_in, head_in + row_in * rows) as fig:
        axes = fig.subplots(rows, cols, squeeze=False, **subplots).reshape(-1)
        for ax in axes[len(shown):]:
            ax.set_visible(False)
        for i, ax in zip(shown, axes):
            ax.set_title(f"{truth.name[i]} ({truth.kind[i]})", loc="left", fontsize=9, fontweight="bold", pad=3)
        yield fig, list(zip(shown, axes))
