"""The report's network figures: the network diagram and the custody of each node's
picture over time. Each function takes a `RunResult` and returns PNG bytes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tracklayer import palette
from tracklayer.report.panels import threat_panels
from tracklayer.report.style import PHASE_COLORS, figure, png_bytes

if TYPE_CHECKING:
    from tracklayer.results import RunResult

__all__ = ["network_png", "node_timeline_png", "node_summary"]

def _node_color(result: RunResult, nation: str | None) -> str:
    return palette.nation_color(nation, [n.id for n in result.scenario.nations])


def _count(n: int, noun: str) -> str:
    return "" if n == 0 else f"{n} {noun}{'s' if n > 1 else ''}"


def node_summary(result: RunResult) -> list[dict]:
    """Per node: id, nation, colour and a one-line description of what it owns and does."""
    net = result.state.network
    sensors = result.sensors
    out = []
    receives = {link.target for link in net.links}
    for k, node in enumerate(net.nodes):
        mine = sensors["owner_node"] == node.id
        n_sat = int((mine & (sensors["kind"] == "angles")).sum())
        n_radar = int((mine & (sensors["kind"] == "radar")).sum())
        owns = ", ".join(x for x in (_count(n_sat, "satellite"), _count(n_radar, "radar")) if x) or "no sensors"
        role = {"ci": "covariance intersection", "fast_ci": "fast CI", "information": "information fusion"}[node.fusion.method] if k in receives else "own tracker"
        out.append({"id": node.id, "nation": node.nation or "combined", "color": _node_color(result, node.nation), "owns": owns, "role": role})
    return out


def _link_label(link) -> str:
    jitter = f" + {link.jitter_s:g}" if link.jitter_s else ""
    loss = f", {100 * link.loss:g} % loss" if link.loss else ""
    rate = f", {1.0 / link.track_service_s:.0f} msg/s" if link.track_service_s else ""
    out = f", {len(link.outages)} outage(s)" if len(link.outages) else ""
    return f"{link.content}, {link.latency_s:g}{jitter} s{loss}{rate}{out}"


def network_png(result: RunResult) -> bytes:
    """Nodes (boxes: what each owns and how it builds its picture) and links (numbered
    arrows, listed on the right: what flows, latency, loss, bandwidth, outages, raw
    data)."""
    with figure(10.0, HEIGHT_IN) as fig:
        draw_network(fig, result.state.network, node_summary(result))
        return png_bytes(fig)


HEIGHT_IN = 4.6
"""Height of the network figure, inches (its diagram's data units are inches)."""


def _route(x1: float, y1: float, x2: float, y2: float, half_h: float) -> tuple[tuple[float, float], tuple[float, float], float, bool]:
    """Ends and arc3 ``rad`` of a link's arrow between box centres, and whether it is
    clipped at the boxes' outlines.

    Between the rows: centre to centre, clipped at the boxes, bowed slightly. Within a
    row the boxes stand side by side, so an arc between their centres would vanish
    inside them: the arrow runs from the edge facing away from the other row (below the
    sensing row, above the top row) of one box to the same edge of the other, bowed a
    fixed depth away from the boxes, a return link deeper than its forward one so the two
    stay apart."""
    if abs(y1 - y2) > 1e-9:
        return (x1, y1), (x2, y2), 0.15, True
    below = y1 < HEIGHT_IN / 2
    edge = y1 - half_h if below else y1 + half_h
    dx = x2 - x1
    depth = 0.28 if dx > 0 else 0.42
    rad = 2.0 * depth / abs(dx) * (1.0 if below else -1.0) * (1.0 if dx > 0 else -1.0)
    return (x1, edge), (x2, edge), rad, False


def draw_network(fig, net, nodes: list[dict]) -> list:
    """Draw the network diagram and the list of links on ``fig`` (10 x `HEIGHT_IN` in).

    Parameters
    ----------
    fig : a `tracklayer.report.style.figure`
    net : the run's `tracklayer.network.config.NetworkConfig`
    nodes : `node_summary` of the run, in ``net.nodes`` order

    Returns
    -------
    The links' arrows (`matplotlib.patches.FancyArrowPatch`), in ``net.links`` order.
    """
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

    width, height, split = fig.get_figwidth(), HEIGHT_IN, 6.4
    ax = fig.add_axes((0, 0, split / width, 1))
    ax.set_xlim(0, split)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    sensing = [k for k, n in enumerate(net.nodes) if n.own]
    others = [k for k in range(len(net.nodes)) if k not in sensing]
    pos = {}
    for row, y in ((sensing, 1.3), (others, 3.5)):
        for j, k in enumerate(row):
            pos[k] = (split * (j + 0.5) / len(row), y)
    bw, bh = min(1.9, 0.88 * split / max(len(sensing), len(others), 1)), 0.95
    boxes = {}
    for k, info in enumerate(nodes):
        x, y = pos[k]
        boxes[k] = FancyBboxPatch((x - bw / 2, y - bh / 2), bw, bh, boxstyle="round,pad=0.02,rounding_size=0.12", facecolor="white",
                                  edgecolor=info["color"], linewidth=2.4 if k == net.picture else 1.3, zorder=3)
        ax.add_patch(boxes[k])
        ax.text(x, y + 0.22, info["id"], ha="center", va="center", fontsize=11, fontweight="bold", color=info["color"], zorder=4)
        ax.text(x, y - 0.05, info["owns"], ha="center", va="center", fontsize=7, zorder=4)
        ax.text(x, y - 0.28, info["role"], ha="center", va="center", fontsize=7, color=palette.MUTED, style="italic", zorder=4)
    lines, arrows = [], []
    for n_link, link in enumerate(net.links, start=1):
        (x1, y1), (x2, y2), rad, clipped = _route(*pos[link.source], *pos[link.target], bh / 2)
        raw = int(net.release.measurements[link.target]) & net.nodes[link.source].own
        color = palette.PICTURE_LINK if link.content == "picture" else palette.INK
        ends = {"patchA": boxes[link.source], "patchB": boxes[link.target]} if clipped else {"shrinkA": 1.0, "shrinkB": 1.0}
        arrow = FancyArrowPatch((x1, y1), (x2, y2), connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>", mutation_scale=13,
                                linewidth=2.2 if raw else 1.2, color=color, linestyle="--" if len(link.outages) else "-", zorder=2, **ends)
        ax.add_patch(arrow)
        arrows.append(arrow)
        cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
        mx, my = 0.25 * x1 + 0.5 * cx + 0.25 * x2, 0.25 * y1 + 0.5 * cy + 0.25 * y2  # the arc's midpoint
        ax.add_patch(Circle((mx, my), 0.15, facecolor="white", edgecolor=color, linewidth=1.0, zorder=5))
        ax.text(mx, my, str(n_link), ha="center", va="center", fontsize=7, fontweight="bold", color=color, zorder=6)
        groups = bin(raw).count("1")
        lines.append((f"{n_link}  {net.nodes[link.source].id} → {net.nodes[link.target].id}", _link_label(link)
                      + (f"; raw data of {groups} sensor group{'s' if groups > 1 else ''}" if raw else ""), color))
    side = fig.add_axes((split / width, 0, 1 - split / width, 1))
    side.axis("off")
    y = 0.93
    side.text(0.0, y, "links", fontsize=9, fontweight="bold", transform=side.transAxes)
    for head, text, color in lines:
        y -= 0.075
        side.text(0.0, y, head, fontsize=8, fontweight="bold", color=color, transform=side.transAxes)
        y -= 0.05
        side.text(0.06, y, text, fontsize=7, transform=side.transAxes)
    side.text(0.0, 0.04, "tracks: the sender's own confirmed tracks; picture (red): its fused picture;\n"
              "latency: fixed + mean exponential jitter; dashed: outages; bold arrow: raw data;\nbold box: the lead picture",
              fontsize=6.5, color=palette.MUTED, transform=side.transAxes)
    return arrows


def node_timeline_png(result: RunResult) -> bytes:
    """Per threat, one row per node: when its picture held the threat with a confirmed
    track (shaded by track id), over the flight phases; the lead picture on top."""
    from matplotlib.patches import Patch

    from tracklayer.report.plots import _flight_window, _spans, _step_s, _threat_phases

    truth = result.state.truth
    net = result.state.network
    order = [net.picture] + [k for k in range(len(net.nodes)) if k != net.picture]
    names = [net.nodes[k].id for k in order]
    tr = result.tracks
    step = _step_s(result)
    rows = len(names) + 1
    with threat_panels(result, ncols=1, row_in=0.28 * rows + 0.45, head_in=0.8, sharex=True) as (fig, panels):
        for i, ax in panels:
            for start, width, phase in _threat_phases(result, i):
                ax.broken_barh([(start, width)], (-0.35, 0.7), facecolors=PHASE_COLORS[phase], edgecolor="none")
            for r, name in enumerate(names):
                y = rows - 1 - r
                on = (tr["node"] == name) & (tr["truth_id"] == i) & (tr["status"] == "confirmed")
                color = _node_color(result, net.nodes[order[r]].nation)
                for c, tid in enumerate(np.unique(tr["track_id"][on])):
                    spans = _spans(tr["t_s"][on & (tr["track_id"] == tid)], step)
                    ax.broken_barh(spans, (y - 0.35, 0.7), facecolors=color, edgecolor="white", linewidth=0.4, alpha=1.0 - 0.25 * (c % 3))
            ax.set_yticks(range(rows), ["flight"] + names[::-1])
            ax.set_ylim(-0.6, rows - 0.4)
            ax.axvline(truth.launch_t_s[i], color=palette.MUTED, lw=0.6, ls=":")
            ax.axvline(truth.impact_t_s[i], color=palette.MUTED, lw=0.6, ls=":")
            ax.grid(True, axis="x", color=palette.GRID, lw=0.5)
            ax.tick_params(axis="y", length=0)
        panels[-1][1].set_xlim(*_flight_window(result))
        panels[-1][1].set_xlabel("time since scenario epoch (s)")
        handles = [Patch(facecolor=_node_color(result, net.nodes[k].nation), label=f"{net.nodes[k].id}: confirmed track on the threat") for k in order]
        present = {ph for i, _ in panels for *_, ph in _threat_phases(result, i)}
        handles += [Patch(facecolor=PHASE_COLORS[p], label=f"{p} phase") for p in PHASE_COLORS if p in present]
        fig.legend(handles=handles, loc="upper center", ncol=4, frameon=False, bbox_to_anchor=(0.5, 1.0), fontsize=7)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.6 / fig.get_figheight()), h_pad=0.5)
        return png_bytes(fig)

