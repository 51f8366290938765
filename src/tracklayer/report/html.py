"""The run report: one self-contained HTML file (inline CSS, figures as base64 PNG,
no external resources of any kind), rendered from ``templates/report.html.j2``.

>>> from tracklayer import api                                   # doctest: +SKIP
>>> from tracklayer.metrics.coverage import run_coverage         # doctest: +SKIP
>>> from tracklayer.report.html import write_report              # doctest: +SKIP
>>> result = api.run("smoke")                                    # doctest: +SKIP
>>> write_report(result, Path("report.html"), run_coverage(result.scenario))  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import math
import os
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from tracklayer import __version__
from tracklayer.metrics.phase_metrics import PHASE_COLUMNS
from tracklayer.metrics.threat_metrics import METRIC_COLUMNS

if TYPE_CHECKING:
    from tracklayer.metrics.coverage import CoverageResult
    from tracklayer.metrics.spread import SampleRow
    from tracklayer.results import RunResult
    from tracklayer.table import Table

__all__ = ["write_report", "render_report", "samples_section", "samples_sentence", "FIGURES"]

Kind = Literal["text", "s", "count", "pct", "length", "speed"]

METRIC_TABLES: tuple[tuple[str, tuple[tuple[str, str, Kind], ...]], ...] = (
    (
        "Detection and warning",
        (
            ("threat", "threat", "text"),
            ("kind", "kind", "text"),
            ("launch_t_s", "launch (s after epoch)", "s"),
            ("flight_s", "flight time (s)", "s"),
            ("time_to_first_detection_s", "first detection (s after launch)", "s"),
            ("time_to_first_ir_detection_s", "first IR detection (s after launch)", "s"),
            ("time_to_first_radar_detection_s", "first radar detection (s after launch)", "s"),
            ("time_to_confirmed_track_s", "confirmed track (s after launch)", "s"),
            ("warning_time_s", "warning time (s)", "s"),
            ("detections", "detections", "count"),
        ),
    ),
    (
        "Custody and accuracy",
        (
            ("threat", "threat", "text"),
            ("custody_fraction", "custody (% of flight)", "pct"),
            ("custody_gaps", "custody gaps", "count"),
            ("longest_gap_s", "longest gap (s)", "s"),
            ("track_ids", "track ids", "count"),
            ("position_rms_m", "position RMS", "length"),
            ("velocity_rms_m_s", "velocity RMS (m/s)", "speed"),
            ("miss_m", "impact miss from aim point", "length"),
        ),
    ),
    (
        "Coverage (fraction of flight time)",
        (
            ("threat", "threat", "text"),
            ("ir_coverage_1", "IR, ≥ 1 satellite (%)", "pct"),
            ("ir_coverage_2", "IR, ≥ 2 satellites, stereo (%)", "pct"),
            ("ir_coverage_3", "IR, ≥ 3 satellites (%)", "pct"),
            ("radar_coverage", "radar, ≥ 1 (%)", "pct"),
        ),
    ),
)
"""The report's metric tables: (title, ((column, header, kind), ...)); headers of
``length`` columns get their unit (m or km) from the values."""

FIGURES: tuple[tuple[str, str, str, str], ...] = (
    (
        "map",
        "map_png",
        "Theatre map",
        "Threat ground tracks coloured by flight phase, from launch (triangle) to aim point (cross). "
        "Shaded outlines: each radar's azimuth sector out to its maximum range (great-circle distance on the "
        "ground; a target must also be above the radar's horizon), coloured by nation. Thin grey lines: "
        "ground tracks of the satellites over the scenario. Black dots: confirmed track positions assigned "
        "to a threat; red crosses: confirmed tracks that no threat lies within the truth gate of "
        "(false or diverged tracks); both thinned to one point every 10 s.",
    ),
    (
        "timeline",
        "timeline_png",
        "Detection and custody timeline",
        "One panel per threat over scenario time. Bottom row: the flight, shaded by phase. Above it: spans "
        "held by a confirmed track (one shade per track id, labelled #id), radar detections and space IR "
        "detections (one tick per detection). Grey area, right axis: number of satellites able to detect the "
        "threat (geometric access, not sun-blinded, single-frame Pd of at least the coverage block's pd_min); two "
        "or more allow stereo (triangulated) track initiation.",
    ),
    (
        "track_error",
        "track_error_png",
        "Track accuracy",
        "Solid: 3-D distance between each confirmed track assigned to the threat and the truth at the same "
        "time. Dashed, same colour: the track's own 1-sigma position uncertainty, sqrt(trace of the position "
        "covariance). A consistent filter keeps the solid line around the dashed one; a solid line far above "
        "it means an over-confident track. Background: flight phases.",
    ),
    (
        "impact",
        "impact_png",
        "Impact prediction",
        "Ballistic threats: where the lead picture's confirmed track predicts the threat will come down (a "
        "drag-free flight of the track state to the ground), coloured by the time of the track row, with each "
        "prediction's 1-sigma error ellipse from the track covariance; the cross is the true impact, the dashed "
        "circle the quality threshold (impact.miss_threshold_km) that starts the quality-gated warning. Glide "
        "vehicles: the radius of the disc the vehicle could still reach (equilibrium glide range from the track's "
        "speed and altitude) against the distance to the true impact, and the threshold radius of "
        "impact.area_threshold_km2 (docs/impact.md).",
    ),
    (
        "altitude",
        "altitude_png",
        "Trajectories",
        "Altitude of each threat against time since its launch (left) and against great-circle ground range "
        "from its launch point (right), coloured by flight phase: boost, ballistic coast, glide and the "
        "terminal dive.",
    ),
    (
        "coverage",
        "coverage_png",
        "Space infrared coverage",
        "Share of the run's time (sampled at the coverage step) during which at least one (left) and at least two "
        "satellites (right, stereo) are able to detect the scenario's first coverage reference target at each grid "
        "point: geometric access, not blinded by the Sun, and a single-frame probability of detection of at least "
        "the coverage block's pd_min given the target's radiant intensity, range, background (look-down or limb) "
        "and atmospheric path. `tracklayer coverage` computes the same figures of merit over a longer window "
        "(docs/sensing.md).",
    ),
    (
        "coverage_series",
        "coverage_series_png",
        "Coverage against time",
        "Area-weighted (cos latitude) share of the coverage grid where at least one satellite (solid) or two "
        "(dashed) can detect each reference target (a panel each), over the run; a series of more than 200 steps is drawn as the mean "
        "of bins of steps, the bin's minimum to maximum shaded. A dim target (tens of kW/sr) is seen only at "
        "short range, so its curves sit far below a bright one's.",
    ),
)
"""(id, function name in `tracklayer.report.plots`, title, caption) of each figure."""


def _format_column(values: np.ndarray, kind: Kind) -> tuple[str, list[str]]:
    """Format one metric column; returns (unit suffix for the header, cell strings)."""
    dash = "–"
    vals = list(values)
    if kind == "text":
        return "", [str(v) for v in vals]
    x = np.asarray(values, dtype=np.float64)
    if kind in ("s", "count"):
        return "", [dash if math.isnan(v) else f"{v:,.0f}" for v in x]
    if kind == "pct":
        return "", [dash if math.isnan(v) else f"{100.0 * v:.1f}" if 0 < v < 0.1 else f"{100.0 * v:.0f}" for v in x]
    if kind == "speed":
        return "", [dash if math.isnan(v) else f"{v:.1f}" if v < 10 else f"{v:,.0f}" for v in x]
    finite = x[np.isfinite(x)]
    if finite.size and np.median(finite) >= 10_000.0:
        return " (km)", [dash if math.isnan(v) else f"{v / 1e3:,.1f}" for v in x]
    return " (m)", [dash if math.isnan(v) else f"{v:.1f}" if v < 10 else f"{v:,.0f}" for v in x]


def metric_tables(result: RunResult) -> list[dict]:
    """The metric tables as ``{"title", "headers": [(text, tooltip, numeric)], "rows": [[str]]}``.

    The rows are those of the lead picture's node (the network section compares nodes).
    """
    m = result.metrics.take(result.metrics["node"] == result.picture_node)
    out = []
    for title, columns in METRIC_TABLES:
        cols = list(columns)
        headers, cells = [], []
        for key, header, kind in cols:
            if key not in m:
                continue
            unit, strings = _format_column(m[key], kind)
            headers.append((header + unit, METRIC_COLUMNS.get(key, ""), kind != "text"))
            cells.append(strings)
        rows = [list(r) for r in zip(*cells)]
        out.append({"title": title, "headers": headers, "rows": rows})
    return out


PHASE_TABLE: tuple[tuple[str, str, Kind], ...] = (
    ("phase", "phase", "text"),
    ("duration_s", "time in phase (s)", "s"),
    ("custody_fraction", "custody (%)", "pct"),
    ("custody_warning_quality", "warning quality (%)", "pct"),
    ("custody_fire_control_quality", "fire-control quality (%)", "pct"),
    ("ir_detecting_1", "IR detecting, ≥ 1 (%)", "pct"),
    ("ir_detecting_2", "IR detecting, ≥ 2 (%)", "pct"),
    ("custody_radar_only", "held, radar only (%)", "pct"),
    ("custody_space_only", "held, space only (%)", "pct"),
    ("custody_both", "held, both (%)", "pct"),
    ("custody_coasting", "held, coasting (%)", "pct"),
    ("position_rms_m", "position RMS", "length"),
    ("nees_mean", "mean NEES", "speed"),
    ("nees_in_95", "NEES in 95 % bound (%)", "pct"),
)
"""Columns of the report's per-threat phase x layer tables (column, header, kind)."""


def phase_tables(result: RunResult) -> list[dict]:
    """One table per threat of the lead picture: a row per flight phase and ``all``,
    in the shape of `metric_tables`."""
    pm = result.phase_metrics
    if pm is None:
        return []
    pm = pm.take(pm["node"] == result.picture_node)
    out = []
    for threat in dict.fromkeys(pm["threat"].tolist()):
        rows = pm.take(pm["threat"] == threat)
        headers, cells = [], []
        for key, header, kind in PHASE_TABLE:
            unit, strings = _format_column(rows[key], kind)
            headers.append((header + unit, PHASE_COLUMNS[key], kind != "text"))
            cells.append(strings)
        out.append({"title": f"{threat} ({rows['kind'][0]})", "headers": headers, "rows": [list(r) for r in zip(*cells)]})
    return out


def missed_aims(result: RunResult) -> list[str]:
    """One line per threat that landed farther from its aim than the scenario's tolerance."""
    from tracklayer.metrics.phase_metrics import Quality

    return Quality.from_scenario(result.scenario).missed_aim_lines(result.metrics.take(result.metrics["node"] == result.picture_node))


def sensor_groups(result: RunResult) -> list[dict]:
    """Sensors by nation: ``{"id", "name", "space": [(platform, count)], "radars": [names], "total"}``."""
    s = result.sensors
    names = {n.id: n.name for n in result.scenario.nations}
    groups = []
    for nation in [n.id for n in result.scenario.nations] + sorted(set(s["nation"].tolist()) - set(names)):
        mine = s["nation"] == nation
        space = Counter(s["platform"][mine & (s["kind"] == "angles")].tolist())
        radars = s["sensor"][mine & (s["kind"] == "radar")].tolist()
        groups.append({"id": nation, "name": names.get(nation, nation), "space": sorted(space.items()), "radars": radars, "total": int(mine.sum())})
    return groups


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _overview(result: RunResult) -> list[tuple[str, str]]:
    """Headline figures of the run as (label, value)."""
    from tracklayer.report.plots import picture_tracks

    det, tr = result.detections, picture_tracks(result)
    m = result.metrics.take(result.metrics["node"] == result.picture_node)
    conf = tr["status"] == "confirmed"
    n_sat = int((result.sensors["kind"] == "angles").sum())
    n_radar = int((result.sensors["kind"] == "radar").sum())
    custody = np.asarray(m["custody_fraction"], dtype=np.float64)
    return [
        ("threats", f"{m.num_rows}"),
        ("satellites / radars", f"{n_sat} / {n_radar}"),
        ("detections (false alarms)", f"{det.num_rows:,} ({int((det['truth_id'] < 0).sum()):,})"),
        ("confirmed track ids", f"{np.unique(tr['track_id'][conf]).size}"),
        ("mean custody", "–" if custody.size == 0 else f"{100.0 * np.nanmean(custody):.0f} %"),
        ("unassigned confirmed-track samples", f"{int((conf & (tr['truth_id'] < 0)).sum()):,} of {int(conf.sum()):,}"),
    ]


COVERAGE_FIGURES = frozenset({"coverage_png", "coverage_series_png"})
"""Figures of `FIGURES` drawn from the run's coverage as well as from the run."""
THREAT_PANEL_FIGURES = frozenset({"timeline_png", "track_error_png", "impact_png"})
"""Figures of `FIGURES` with a panel per threat (`tracklayer.report.panels`)."""


def _figures(result: RunResult, coverage: CoverageResult) -> tuple[list[dict], float]:
    from tracklayer.report import plots
    from tracklayer.report.panels import panel_note

    t0 = time.perf_counter()
    figures = []
    note = panel_note(len(result.state.truth))
    for fig_id, func, title, caption in FIGURES:
        draw = getattr(plots, func)
        png: bytes = draw(result, coverage) if func in COVERAGE_FIGURES else draw(result)
        caption = caption + note if func in THREAT_PANEL_FIGURES else caption
        figures.append({"id": fig_id, "title": title, "caption": caption, "src": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                        "kb": len(png) / 1024})
    return figures, time.perf_counter() - t0


LINK_HEADERS = {
    "source": "from",
    "target": "to",
    "channel": "channel",
    "content": "content",
    "offered": "offered",
    "withheld": "withheld (release rules)",
    "lost_outage": "lost in outages",
    "lost_in_transit": "lost in transit",
    "delivered": "delivered",
    "discarded": "discarded on arrival",
    "latency_mean_s": "mean latency (s)",
    "latency_p95_s": "95th pct. latency (s)",
    "queue_max_s": "longest queue wait (s)",
}
"""Headers of the report's link table by column of `tracklayer.network.run.LINK_COLUMNS`
(whose text is each header's tooltip)."""


def link_header(column: str) -> str:
    """The link table's header of a column: `LINK_HEADERS`' label, else its name in words."""
    return LINK_HEADERS.get(column, column.removesuffix("_s").replace("_", " "))

NodeKind = Literal["pct", "km", "s"]
"""A node-table cell: `Kind`s, or km (a length shown in km without the adaptive unit)."""

NODE_COLUMNS: tuple[tuple[str, str, NodeKind], ...] = (
    ("custody_fraction", "custody (%)", "pct"),
    ("position_rms_m", "position RMS (km)", "km"),
    ("track_latency_s", "track latency (s)", "s"),
    ("duplicate_fraction", "duplicates (% of flight)", "pct"),
)
"""Metrics compared node by node in the network section (column, title, kind)."""


def network_section(result: RunResult) -> dict | None:
    """Context of the report's network section (None for a single node without links):
    figures, nodes, the per-node side-by-side table, link statistics and release rules."""
    import base64 as b64

    from tracklayer.network.run import LINK_COLUMNS
    from tracklayer.report.network_plots import network_png, node_summary, node_timeline_png
    from tracklayer.report.panels import panel_note

    net = result.state.network
    if net is None or not net.networked:
        return None
    m = result.metrics
    order = [net.picture] + [k for k in range(len(net.nodes)) if k != net.picture]
    names = [net.nodes[k].id for k in order]
    threats = [str(t) for t in m["threat"][m["node"] == names[0]]]
    blocks = []
    for key, title, kind in NODE_COLUMNS:
        rows = []
        for threat in threats:
            cells = []
            for name in names:
                value = m[key][(m["node"] == name) & (m["threat"] == threat)]
                cells.append(f"{value[0] / 1e3:,.2f}" if kind == "km" and np.isfinite(value[0]) else _format_column(value, "s" if kind == "km" else kind)[1][0])
            rows.append([threat] + cells)
        blocks.append({"title": title, "tip": METRIC_COLUMNS[key], "rows": rows})
    false_row = [str(int(m["false_tracks"][m["node"] == name][0])) for name in names]
    links = result.links
    def cell(value) -> str:
        if isinstance(value, (float, np.floating)):
            return f"{value:.2f}" if np.isfinite(value) else "–"
        return f"{value:,}" if isinstance(value, (int, np.integer)) else str(value)

    shown = [c for c in LINK_COLUMNS if c != "link"]  # source and target say it
    link_rows = [[cell(links[c][i]) for c in shown] for i in range(links.num_rows)] if links is not None else []
    scn = result.scenario
    rules = []
    if scn.network is not None:
        for rule in scn.network.release:
            extra = [f"covariance x{rule.covariance_factor:g}" if rule.covariance_factor != 1 else "", f"positions to {rule.position_quantum_m:g} m" if rule.position_quantum_m else "",
                     f"after {rule.delay_s:g} s" if rule.delay_s else ""]
            rules.append(f"{', '.join(rule.sources)} → {', '.join(rule.to)} ({rule.level}{''.join('; ' + e for e in extra if e)})")
        rules.append(f"sources no rule names: {'tracks to every node' if scn.network.release_default == 'tracks' else 'to no other node'}; a node always has its own sources' data")
    figs = []
    for fig_id, func, title, caption in (
        ("network", network_png, "Network", "Nodes with the sensors they own and how they build their picture (own tracker, or fusion of what they "
         "receive); arrows show what each link carries, its latency (fixed + mean exponential jitter), loss, bandwidth and outages."),
        ("node_timeline", node_timeline_png, "Custody by node", "For each threat, when each node's picture held it with a confirmed track "
         "(shades: track ids), the lead picture on top; the bottom row is the flight, shaded by phase. A joint picture can only hold what "
         "its inputs hold, later by the link latency; a national picture that receives the joint picture holds what its partners release to it."
         + panel_note(len(result.state.truth))),
    ):
        png = func(result)
        figs.append({"id": fig_id, "title": title, "caption": caption, "src": "data:image/png;base64," + b64.b64encode(png).decode("ascii")})
    return {
        "nodes": node_summary(result), "lead": names[0], "blocks": blocks, "false_row": false_row, "names": names,
        "link_headers": [(link_header(c), LINK_COLUMNS[c]) for c in shown], "link_rows": link_rows, "rules": rules, "figures": figs,
        "false_tip": METRIC_COLUMNS["false_tracks"],
    }


def _sample_cell(value: float, unit: str) -> str:
    """A value of a `SampleRow` as the samples tables show it (``km``: metres in km)."""
    if unit == "km":
        return "–" if not math.isfinite(value) else f"{value / 1e3:,.2f}"
    return _format_column(np.array([value]), "pct" if unit == "%" else "s")[1][0]


def samples_sentence(rows: list[SampleRow], draws: int) -> str:
    """The report's opening sentence on the samples: the custody spread of the threat whose
    10-90 % band is widest (the first of equals), its median and this run's own value.
    Empty without a threat whose custody is defined in some draw."""
    custody = [r for r in rows if r.column == "custody_fraction" and math.isfinite(r.median)]
    if not custody:
        return ""
    widest = max(custody, key=lambda r: r.p90 - r.p10)
    among = f" (the widest spread of the {len(custody)} threats)" if len(custody) > 1 else ""
    return (f"Over {draws} attack times drawn over a day, {widest.threat}'s custody{among} ranges {100 * widest.p10:.0f}–{100 * widest.p90:.0f} % "
            f"in eight draws of ten (median {100 * widest.median:.0f} %, worst {100 * widest.worst:.0f} %); "
            f"this run, the scenario as written, is one attack time, with {_sample_cell(widest.one_draw, '%')} %.")


def samples_section(result: RunResult, samples: Table | None) -> dict | None:
    """Context of the report's "Spread over attack times" section (None without ``samples``,
    `tracklayer.api.sample`'s table): the opening sentence, one table per metric of
    `tracklayer.metrics.spread.SAMPLE_METRICS` from `tracklayer.metrics.spread.sample_rows`
    at the lead picture's node, and the custody figure."""
    from tracklayer.metrics.spread import SAMPLE_METRICS, sample_rows
    from tracklayer.report.sample_plots import samples_png

    if samples is None or samples.num_rows == 0:
        return None
    rows = sample_rows(samples, result.metrics, result.picture_node)
    draws = int(np.unique(samples["sample"]).size)
    tables = []
    for column, label, unit in SAMPLE_METRICS:
        mine = [r for r in rows if r.column == column]
        suffix = {"%": " (%)", "s": " (s)", "km": " (km)"}[unit]
        tables.append({
            "title": label + suffix, "tip": METRIC_COLUMNS.get(column, ""),
            "rows": [[r.threat, _sample_cell(r.one_draw, unit), _sample_cell(r.median, unit),
                      f"{_sample_cell(r.p10, unit)} – {_sample_cell(r.p90, unit)}", _sample_cell(r.worst, unit), f"{r.finite}/{r.n}"] for r in mine],
        })
    png = samples_png([r for r in rows if r.column == "custody_fraction"])
    figure = {"id": "samples", "title": "Custody over attack times",
              "caption": f"Custody of each threat in the {result.picture_node} picture at each of the {draws} attack times (dots), the bar spanning the "
                         "10th to 90th percentile of them with the median as a tick; the diamond is this run, the scenario as written.",
              "src": "data:image/png;base64," + base64.b64encode(png).decode("ascii")}
    return {"sentence": samples_sentence(rows, draws), "draws": draws, "tables": tables, "figure": figure}


def render_report(result: RunResult, coverage: CoverageResult, samples: Table | None = None) -> str:
    """The report of a run as an HTML string (self-contained; see `write_report`);
    ``coverage`` is the coverage of the run's window (`tracklayer.metrics.coverage.run_coverage`);
    ``samples``: the run's samples over attack time (`tracklayer.api.sample`), shown in a
    section of their own when given."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tracklayer.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from tracklayer.report.bottom_line import bottom_line

    scn = result.scenario
    grid = result.state.grid
    t_net = time.perf_counter()
    network = network_section(result)
    figures, figures_s = _figures(result, coverage)
    figures_s += time.perf_counter() - t_net - figures_s if network is not None else 0.0
    timings = [(k, float(v)) for k, v in result.timings_s.items()]
    total = sum(v for _, v in timings)
    missed = missed_aims(result)
    samples_context = samples_section(result, samples)
    context = {
        "title": f"tracklayer report: {scn.name}",
        "scenario": scn,
        "epoch": grid.iso(0.0),
        "end": grid.iso(float(grid.t_s[-1])),
        "duration": f"{scn.duration_s:,.0f} s ({_hms(scn.duration_s)})",
        "step": f"{scn.step_s:g} s",
        "seed": result.seed,
        "version": __version__,
        "overview": _overview(result),
        "tables": metric_tables(result),
        "phase_tables": phase_tables(result),
        "missed_aims": missed,
        "bottom_line": bottom_line(result, missed, samples_context["draws"] if samples_context else 0),
        "quality": scn.metrics,
        "sensor_groups": sensor_groups(result),
        "figures": figures,
        "network": network,
        "samples": samples_context,
        "picture_node": result.picture_node,
        "timings": [(k, f"{v:.2f}", f"{100.0 * v / total:.0f}" if total > 0 else "–") for k, v in timings],
        "timing_total": f"{total:.2f}",
        "figures_s": f"{figures_s:.2f}",
        "sources": list(scn.sources),
    }
    return env.get_template("report.html.j2").render(**context)


def write_report(result: RunResult, path: Path, coverage: CoverageResult, samples: Table | None = None) -> None:
    """Write the HTML report of a run to ``path``.

    The file is written under a temporary name in the same folder and renamed, so
    ``path`` only ever holds a complete report.

    Parameters
    ----------
    result : a run result (`tracklayer.api.run`)
    path : the HTML file to write; its folder must exist
    coverage : the coverage of the run's window (`tracklayer.metrics.coverage.run_coverage`);
        the report draws it and computes nothing
    samples : the run's samples over attack time (`tracklayer.api.sample`), or None; the
        report shows their spread (`tracklayer.metrics.spread.sample_rows`) and flies nothing
    """
    path = Path(path)
    text = render_report(result, coverage, samples)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
