"""One palette for every picture tracklayer draws: the HTML reports (white pages),
the CZML scene and the globe viewer (a dark globe).

Colours are CSS hex strings; `rgba` converts one to the 0-255 RGBA list that CZML and
the viewer use. The hues were chosen to stay distinct on both backgrounds and under
the common colour-vision deficiencies' worst pair (red/green) by lightness as well as
hue: nations are blue (US), red (JP) and green (AU); flight phases run orange (boost),
blue (coast), violet (glide) and crimson (terminal).

>>> rgba(NATIONS["US"])
[60, 130, 255, 255]
>>> nation_color("JP", ["US", "JP"])
'#e63c3c'
>>> nation_color("NZ", ["US", "NZ"]) == EXTRA_NATIONS[0]
True
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "NATIONS", "EXTRA_NATIONS", "JOINT", "PHASES", "STATUSES", "THREATS", "TRACKS", "CUSTODY", "IR", "RADAR",
    "UNKNOWN", "INK", "MUTED", "GRID", "PICTURE_LINK", "MISS", "FALSE_TRACK", "FAINT", "SHADE", "BAND", "LAND", "OCEAN",
    "COAST", "GRATICULE", "nation_color", "rgba", "named",
]

NATIONS = {"US": "#3c82ff", "JP": "#e63c3c", "AU": "#28b45a"}
"""The partner nations' colours, by nation id."""
EXTRA_NATIONS = ("#d4a017", "#8c564b", "#e377c2", "#17a2b8", "#7f7f7f")
"""Colours for nations a scenario adds beyond US, JP and AU, in the scenario's order."""
JOINT = "#2b5d8a"
"""The joint (fused) picture."""
PHASES = {"boost": "#f28e2b", "coast": "#4e9bd6", "glide": "#a970ff", "terminal": "#d62750"}
"""Flight phases (truth labels)."""
STATUSES = {"tentative": "#ffd250", "confirmed": "#50e6a0", "deleted": "#969696"}
"""Track statuses."""
THREATS = ("#ff8c00", "#ff3cc8", "#ffdc00", "#00dcdc", "#b478ff")
"""Threat paths in the scene, in the scenario's order."""
TRACKS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
"""Series in line plots (tracks, design points), in order."""
CUSTODY = ("#2ca02c", "#1b5e20", "#7bc96f")
"""Custody bars of successive track ids."""
IR = "#d62728"
"""Space infrared sensing."""
RADAR = "#1f77b4"
"""Radar sensing."""
UNKNOWN = "#c8c8c8"
"""Anything without a colour of its own."""
INK = "#333333"
"""Text and lines of no category: labels, link arrows."""
MUTED = "#555555"
"""Secondary text and marks: captions inside figures, launch/impact markers."""
GRID = "#e0e0e0"
"""Grid lines of the report's plots."""
PICTURE_LINK = "#d62728"
"""Links that carry a node's fused picture."""
MISS = "#b2182b"
"""Aim points and miss thresholds."""
FALSE_TRACK = "#d62728"
"""Confirmed tracks on no threat."""
FAINT = "#8a8a8a"
"""Background marks: satellite ground tracks, 'no data' notes, minor axes."""
SHADE = "#bdbdbd"
"""Shaded counts behind a plot (satellites able to detect)."""
BAND = "#eef2f6"
"""Light band of a spread (the report's table header shade)."""
LAND = "#ebe6da"
"""Map land."""
OCEAN = "#f3f7fa"
"""Map ocean."""
COAST = "#8f8a80"
"""Map coastlines."""
GRATICULE = "#c9d3dc"
"""Map grid lines."""


def nation_color(nation: str | None, nations: Sequence[str]) -> str:
    """The colour of ``nation``: its own for US/JP/AU, else by its place among the
    scenario's other nations; the joint picture's colour for ``None``/unknown ids."""
    if nation in NATIONS:
        return NATIONS[nation]
    others = [n for n in nations if n not in NATIONS]
    return EXTRA_NATIONS[others.index(nation) % len(EXTRA_NATIONS)] if nation in others else JOINT


def rgba(color: str, alpha: int = 255) -> list[int]:
    """A ``#rrggbb`` colour as ``[r, g, b, alpha]`` (0-255), the CZML/viewer form."""
    h = color.lstrip("#")
    return [int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), int(alpha)]


def named() -> list[str]:
    """Every colour of the palette, for encoders that keep named colours exact."""
    return [*NATIONS.values(), *EXTRA_NATIONS, JOINT, *PHASES.values(), *STATUSES.values(), *THREATS, *TRACKS,
            *CUSTODY, IR, RADAR, UNKNOWN, INK, MUTED, GRID, PICTURE_LINK, MISS, FALSE_TRACK, FAINT, SHADE, BAND, LAND, OCEAN, COAST,
            GRATICULE]
