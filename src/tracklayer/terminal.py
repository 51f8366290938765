"""What the command line prints: the summary tables of a run, a coverage analysis, a
partner assessment, a campaign and a run's samples over attack time, built as rich renderables from the API's results.

Nothing here computes a figure: every number comes from a result table. Text that
comes from data files (names read back from a store or a run folder) goes through
`cell`, which escapes control characters and markup. rich is imported inside the
functions so that ``tracklayer --help`` stays fast.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    from tracklayer.results import RunResult
    from tracklayer.table import Table

__all__ = ["fmt", "cell", "run_summary", "partner_table", "coverage_table", "campaign_table", "dry_run_lines", "info_lines", "samples_table"]


def fmt(value: float | None, kind: str) -> str:
    """A number as the tables show it: ``s`` whole seconds, ``%`` a whole percentage of a
    fraction, ``km`` metres in km with two decimals; ``-`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kind == "s":
        return f"{value:.0f}"
    if kind == "%":
        return f"{100 * value:.0f}%"
    if kind == "km":
        return f"{value / 1e3:,.2f}"
    return str(value)


def cell(value: object) -> Text:
    """A table cell or title from data read back from files: control characters escaped, no markup."""
    from rich.text import Text

    from tracklayer.io.checked import printable

    return Text(printable(value))


def _table(title: Any) -> RichTable:
    from rich import box
    from rich.table import Table as RichTable

    return RichTable(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))


def _widen(out: Console, width: int) -> None:
    """Keep wide tables whole when the output is a pipe or a file."""
    if not out.is_terminal:
        out.width = max(out.width, width)


RUN_COLUMNS = (
    ("threat", None, "threat"), ("kind", None, "kind"), ("flight", "s", "flight_s"),
    ("detect", "s", "time_to_first_detection_s"), ("track", "s", "time_to_confirmed_track_s"),
    ("warning", "s", "warning_time_s"), ("custody", "%", "custody_fraction"),
    ("rms km", "km", "position_rms_m"), ("IR>=1", "%", "ir_coverage_1"), ("IR>=2", "%", "ir_coverage_2"),
    ("radar", "%", "radar_coverage"),
)
"""The run summary's columns: (title, format kind or None for text, metrics column)."""


def run_summary(out: Console, result: RunResult) -> None:
    """Per-threat summary of the lead picture, custody by flight phase, and the pictures by node."""
    m = result.metrics.take(result.metrics["node"] == result.picture_node)
    table = _table(f"{result.scenario.name}: per-threat summary, node '{m['node'][0]}' (times in s after launch)")
    for title, kind, _ in RUN_COLUMNS:
        table.add_column(title, justify="left" if kind is None else "right", no_wrap=True, min_width=len(title))
    for i in range(m.num_rows):
        table.add_row(*[str(m[col][i]) if kind is None else fmt(float(m[col][i]), kind) for _, kind, col in RUN_COLUMNS])
    _widen(out, 110)
    out.print(table)
    if result.phase_metrics is not None:
        out.print(phase_table(result))
    nodes = list(dict.fromkeys(result.metrics["node"].tolist()))
    if len(nodes) > 1:
        out.print(node_table(result.metrics, nodes))


def phase_table(result: RunResult) -> RichTable:
    """Custody by flight phase of the lead picture: held % / within warning quality % /
    within fire-control quality % in each phase the threat flew, and which layer held it."""
    import numpy as np

    from tracklayer.threats import PHASES

    assert result.phase_metrics is not None
    pm = result.phase_metrics.take(result.phase_metrics["node"] == result.picture_node)
    q = result.scenario.metrics
    table = _table(f"custody by phase (held % / within {q.warning_quality_km:g} km % / within {q.fire_control_quality_km:g} km %)")
    for title in ("threat", *PHASES, "all", "radar/space/both"):
        table.add_column(title, justify="left" if title == "threat" else "right", no_wrap=True)

    def shares(rows: Table, k: int, columns: tuple[str, ...]) -> str:
        return "/".join(fmt(float(rows[c][k]), "%").rstrip("%") for c in columns)

    for threat in dict.fromkeys(pm["threat"].tolist()):
        rows = pm.take(pm["threat"] == threat)
        cells = {str(rows["phase"][k]): shares(rows, k, ("custody_fraction", "custody_warning_quality", "custody_fire_control_quality"))
                 for k in range(rows.num_rows)}
        k_all = int(np.flatnonzero(rows["phase"] == "all")[0])
        table.add_row(threat, *[cells.get(p, "-") for p in PHASES], cells["all"],
                      shares(rows, k_all, ("custody_radar_only", "custody_space_only", "custody_both")))
    return table


def node_table(metrics: Table, nodes: list[str]) -> RichTable:
    """The nodes' pictures compared: means over threats."""
    import numpy as np

    table = _table("pictures by node (means over threats)")
    for title in ("node", "custody", "rms km", "latency s", "duplicates", "false tracks", "track ids"):
        table.add_column(title, justify="left" if title == "node" else "right", no_wrap=True)
    for node in nodes:
        sel = metrics["node"] == node

        def mean(key: str, sel: np.ndarray = sel) -> float:
            values = metrics[key][sel]
            return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")

        table.add_row(node, fmt(mean("custody_fraction"), "%"), fmt(mean("position_rms_m"), "km"), fmt(mean("track_latency_s"), "s"),
                      fmt(mean("duplicate_fraction"), "%"), str(int(metrics["false_tracks"][sel][0])), str(int(metrics["track_ids"][sel].sum())))
    return table


def _gain(value: float, kind: str) -> str:
    """A difference with its sign; no sign when it rounds to nothing."""
    text = fmt(value, kind)
    if text == "-" or text.lstrip("-").strip("0.%") == "":
        return text.lstrip("-") or text
    return text if text.startswith("-") else "+" + text


def partner_table(out: Console, name: str, node: str, value: Table) -> None:
    """The partners' marginal value to the lead picture (`tracklayer.api.partner_value`)."""
    table = _table(f"{name}: partner value to the '{node}' picture (gain = with - without; + helps)")
    for title in ("nation", "threat", "custody", "without", "gain", "warning s", "gain s", "rms km", "gain km"):
        table.add_column(title, justify="left" if title in ("nation", "threat") else "right", no_wrap=True)
    for i in range(value.num_rows):
        table.add_row(str(value["nation"][i]), str(value["threat"][i]), fmt(value["custody_fraction"][i], "%"),
                      fmt(value["custody_fraction_without"][i], "%"), _gain(value["custody_fraction_gain"][i], "%"),
                      fmt(value["warning_time_s"][i], "s"), _gain(value["warning_time_s_gain"][i], "s"),
                      fmt(value["position_rms_m"][i], "km"), _gain(value["position_rms_m_gain"][i], "km"))
    _widen(out, 110)
    out.print(table)


def coverage_table(out: Console, name: str, result: Any) -> None:
    """Coverage figures of merit, area-weighted over the grid (`tracklayer.metrics.coverage.summary`)."""
    from tracklayer.metrics.coverage import summary

    s = summary(result)
    table = _table(f"{name}: coverage, area-weighted over the grid ({result.n_steps} steps of {result.step_s:g} s, {result.n_satellites} satellites)")
    for title in ("target", "alt km", "kW/sr", ">=1", ">=2", ">=3", "mean n", "worst gap min", "response s"):
        table.add_column(title, justify="left" if title == "target" else "right", no_wrap=True)
    for i in range(s.num_rows):
        table.add_row(str(s["target"][i]), f"{s['altitude_km'][i]:g}", f"{s['intensity_kw_sr'][i]:g}",
                      *[f"{100 * s[k][i]:.0f}%" for k in ("frac_1", "frac_2", "frac_3")], f"{s['mean_assets'][i]:.2f}",
                      f"{s['worst_longest_gap_1_s'][i] / 60:.0f}", f"{s['mean_response_1_s'][i]:.0f}")
    _widen(out, 110)
    out.print(table)


def campaign_table(out: Console, title: str, headers: list[tuple[str, bool]], rows: list[list[str]]) -> None:
    """A campaign's design points with their means and intervals (`tracklayer.campaign.report.summary_rows`)."""
    table = _table(cell(title))
    for text, numeric in headers:
        table.add_column(text, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*map(cell, row))
    _widen(out, 160)
    out.print(table)


def dry_run_lines(checks: list[tuple[int, str, str, str | None]], shown: int = 50) -> list[str]:
    """A campaign's design points as `tracklayer sweep --dry-run` lists them: the first
    ``shown`` and every invalid one. ``checks``: (index, key, label, problem or None)."""
    lines = [f"  {index:>4}  {key}  {label}  [{'ok' if problem is None else 'invalid: ' + problem}]"
             for index, key, label, problem in checks if index < shown or problem is not None]
    if len(checks) > shown:
        lines.append(f"  ... {len(checks) - shown} more point(s)")
    invalid = sum(problem is not None for *_, problem in checks)
    lines.append(f"{invalid} invalid point(s): their runs will be stored as failed" if invalid else "every point's scenario is valid")
    return lines


def info_lines(version: str, engine: str) -> list[str]:
    """Versions of tracklayer, Python and the libraries that compute a run, and the active engine."""
    import importlib.metadata as md
    import platform

    lines = [f"tracklayer {version}  (Python {platform.python_version()}, {platform.machine()})"]
    for pkg in ("numpy", "scipy", "numba", "sgp4", "pydantic", "pyarrow", "matplotlib", "typer", "rich", "duckdb", "distributed"):
        try:
            installed = md.version(pkg)
        except md.PackageNotFoundError:
            installed = "not installed"
        lines.append(f"  {pkg:<11} {installed}")
    lines.append(f"compute engine: {engine}  (set TRACKLAYER_ENGINE=numpy to use the NumPy reference kernels)")
    return lines


SAMPLE_LABELS = {"custody_fraction": "custody", "warning_time_s": "warning s", "position_rms_m": "rms km"}
"""Short labels of `tracklayer.metrics.spread.SAMPLE_METRICS` in the `samples_table`."""


def samples_table(samples: Table, one_draw: Table, node: str, title: str) -> RichTable:
    """A rich table: per threat and metric of ``node``, the one-draw value (the
    unshifted scenario's run, ``one_draw``: its metrics table) beside the samples'
    median, 10-90 % band and worst case (`tracklayer.api.sample`'s table), as
    `tracklayer.metrics.spread.sample_rows` gives them."""
    from tracklayer.metrics.spread import SAMPLE_METRICS, sample_rows

    table = _table(title)
    for name in ("threat", "metric", "one draw", "median", "10-90 %", "worst", "n"):
        table.add_column(name, justify="left" if name in ("threat", "metric") else "right", no_wrap=True)
    per_threat = len(SAMPLE_METRICS)
    for k, row in enumerate(sample_rows(samples, one_draw, node)):
        unit = row.unit
        table.add_row(row.threat if k % per_threat == 0 else "", SAMPLE_LABELS.get(row.column, row.label), fmt(row.one_draw, unit), fmt(row.median, unit),
                      f"{fmt(row.p10, unit)} - {fmt(row.p90, unit)}", fmt(row.worst, unit), f"{row.finite}/{row.n}",
                      end_section=k % per_threat == per_threat - 1)
    return table
