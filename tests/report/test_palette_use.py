"""Every colour the report and campaign figures draw comes from `tracklayer.palette`, the
palette the scene and the viewer use: no figure module spells a colour of its own."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from tracklayer import palette

MODULES = ["report/plots.py", "report/impact_plots.py", "report/network_plots.py", "report/coverage_plots.py", "report/sample_plots.py",
           "report/basemap.py", "report/panels.py", "report/bottom_line.py", "campaign/plots.py", "campaign/report.py"]


@pytest.mark.parametrize("module", MODULES)
def test_figure_modules_spell_no_colours(module):
    text = (resources.files("tracklayer") / module).read_text(encoding="utf-8")
    assert not re.findall(r"#[0-9a-fA-F]{6}\b", text)


def test_palette_colours_are_hex_and_listed():
    named = palette.named()
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in named)
    for name in ("INK", "MUTED", "GRID", "MISS", "FALSE_TRACK", "FAINT", "SHADE", "BAND", "LAND", "OCEAN", "COAST", "GRATICULE"):
        assert getattr(palette, name) in named, name
