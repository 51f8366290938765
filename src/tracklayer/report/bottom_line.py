"""The run report's bottom line: a plain-language paragraph at the top, phrased from the
metrics table alone. For each threat of the lead picture: the share of its flight held by
a confirmed track, the warning time, the track accuracy, which sensor layer held it and
whether another node's picture held it longer; then what was missed; with samples over
attack time, the caveat that the figures are one draw of a distribution.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tracklayer.results import RunResult
    from tracklayer.table import Table

__all__ = ["bottom_line", "threat_sentence", "pct", "length"]

LAYERS = (
    ("custody_both", "space infrared and radar together"),
    ("custody_space_only", "space infrared alone"),
    ("custody_radar_only", "radar alone"),
)
"""Phase-metrics columns of the layer that fed a held track, and how the bottom line names it."""
ONE_DRAW = ("These figures are one draw, the scenario flown at its one attack time; flown at {draws} attack times over a day, "
            "they spread as the next lines and the section below show.")
"""The caveat of a run with samples over attack time."""
HELD_MOST = 0.5
"""A threat counts as held when its custody is at least this share of its flight."""


def pct(fraction: float) -> str:
    """A fraction as the bottom line writes it: ``'63 %'``."""
    return f"{100.0 * fraction:.0f} %"


def length(metres: float) -> str:
    """A distance in m below 10 km, else in km: ``'850 m'``, ``'12.3 km'``."""
    return f"{metres / 1e3:,.1f} km" if metres >= 10_000.0 else f"{metres:,.0f} m"


def _layer(phase_metrics: Table | None, node: str, threat: str) -> str:
    """The layer that fed the threat's track for the largest share of its flight ('' if none)."""
    if phase_metrics is None:
        return ""
    pm = phase_metrics
    row = np.nonzero((pm["node"] == node) & (pm["threat"] == threat) & (pm["phase"] == "all"))[0]
    if row.size == 0:
        return ""
    shares = [float(pm[column][row[0]]) for column, _ in LAYERS]
    best = int(np.nanargmax(shares)) if np.isfinite(shares).any() else -1
    return LAYERS[best][1] if best >= 0 and shares[best] > 0 else ""


def threat_sentence(metrics: Table, phase_metrics: Table | None, node: str, threat: str) -> str:
    """One threat's sentence, from its row of ``metrics`` at ``node`` (and the other nodes' rows)."""
    m = metrics
    mine = np.nonzero((m["node"] == node) & (m["threat"] == threat))[0][0]
    kind = m["kind"][mine]
    custody = float(m["custody_fraction"][mine])
    if not custody > 0.0:
        return f"{threat} ({kind}) was never held by a confirmed track in the {node} picture: no warning."
    parts = [f"{threat} ({kind}): held {pct(custody)} of its flight"]
    warning = float(m["warning_time_s"][mine])
    parts.append(f"warning {warning:,.0f} s before impact" if math.isfinite(warning) else "no warning before impact")
    rms = float(m["position_rms_m"][mine])
    if math.isfinite(rms):
        parts.append(f"position error {length(rms)} RMS")
    text = ", ".join(parts)
    layer = _layer(phase_metrics, node, threat)
    if layer:
        text += f"; fed mostly by {layer}"
    others = np.nonzero((m["threat"] == threat) & (m["node"] != node))[0]
    if others.size:
        k = others[int(np.nanargmax(np.nan_to_num(m["custody_fraction"][others].astype(np.float64), nan=-1.0)))]
        if float(m["custody_fraction"][k]) >= custody + 0.01:
            text += f"; the {m['node'][k]} picture held it longer ({pct(float(m['custody_fraction'][k]))})"
    return text + "."


def bottom_line(result: RunResult, missed_aims: list[str] | None = None, draws: int = 0) -> list[str]:
    """The bottom-line sentences of a run, lead picture first.

    Parameters
    ----------
    result : the run
    missed_aims : the report's lines on threats that land far from their aim
    draws : how many attack times the run's samples drew (0: no samples); with samples the
        paragraph ends saying its figures are one draw of that distribution
    """
    node = result.picture_node
    m = result.metrics
    lead = m.take(m["node"] == node)
    threats = [str(t) for t in lead["threat"].tolist()]
    if not threats:
        return [f"The scenario has no threats; the {node} picture has nothing to hold."]
    custody = lead["custody_fraction"].astype(np.float64)
    warned = np.isfinite(lead["warning_time_s"].astype(np.float64))
    held = int((custody >= HELD_MOST).sum())
    out = [f"Of {len(threats)} threat{'s' if len(threats) > 1 else ''}, the {node} picture held {held} for at least half of the flight "
           f"and gave warning of {'every one' if warned.all() else f'{int(warned.sum())}'}."]
    out += [threat_sentence(m, result.phase_metrics, node, t) for t in threats]
    never = [t for t, c in zip(threats, custody) if not c > 0.0]
    short = [t for t, c in zip(threats, custody) if 0.0 < c < HELD_MOST]
    if never or short:
        missed = ([f"never tracked: {', '.join(never)}"] if never else []) + ([f"held under half the flight: {', '.join(short)}"] if short else [])
        out.append("Missed: " + "; ".join(missed) + ".")
    false_tracks = int(lead["false_tracks"][0]) if "false_tracks" in lead else 0
    if false_tracks:
        out.append(f"The picture also held {false_tracks} false track{'s' if false_tracks > 1 else ''}.")
    if missed_aims:
        out.append(f"{len(missed_aims)} threat{'s' if len(missed_aims) > 1 else ''} land far from the aim point (below).")
    if draws:
        out.append(ONE_DRAW.format(draws=draws))
    return out
