"""Per-threat figure panels: one titled panel per threat up to the cap, the rest left
out and said so."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tracklayer.report.panels import MAX_PANELS, panel_note, panel_threats, threat_panels


class _Truth:
    def __init__(self, n: int):
        self.name = np.array([f"T{i}" for i in range(n)])
        self.kind = np.array(["srbm"] * n)

    def __len__(self) -> int:
        return self.name.shape[0]


def _result(n: int):
    return SimpleNamespace(state=SimpleNamespace(truth=_Truth(n)))


@pytest.mark.parametrize(("n", "ncols", "shown"), [(1, 2, 1), (5, 2, 5), (MAX_PANELS, 1, MAX_PANELS), (200, 2, MAX_PANELS)])
def test_panels_are_capped_and_titled(n, ncols, shown):
    with threat_panels(_result(n), ncols=ncols, row_in=1.0, head_in=0.5) as (fig, panels):
        assert [i for i, _ in panels] == list(range(shown))
        assert [ax.get_title(loc="left") for _, ax in panels] == [f"T{i} (srbm)" for i in range(shown)]
        assert len([ax for ax in fig.axes if ax.get_visible()]) == shown
        cols = 1 if shown == 1 else ncols
        assert fig.get_figheight() == pytest.approx(0.5 + 1.0 * -(-shown // cols))


def test_note_says_how_many_are_left_out():
    assert panel_threats(3) == [0, 1, 2] and panel_note(MAX_PANELS) == ""
    note = panel_note(200)
    assert f"first {MAX_PANELS} of the 200 threats" in note and f"other {200 - MAX_PANELS}" in note
