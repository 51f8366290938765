"""Tables the command line prints: pure rendering of tables the API returns."""

from __future__ import annotations

import math

import numpy as np

SAMPLE_METRICS = (("custody_fraction", "custody", "%"), ("warning_time_s", "warning s", "s"), ("position_rms_m", "rms km", "km"))
"""Metrics of the `samples_table` (column, label, unit)."""


def _cell(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "%":
        return f"{100 * value:.0f}%"
    if unit == "km":
        return f"{value / 1e3:,.2f}"
    return f"{value:.0f}"


def samples_table(samples, one_draw, node: str, title: str):
    """A rich table: per threat and metric of ``node``, the one-draw value (the
    unshifted scenario's run, ``one_draw``: its metrics table) beside the samples'
    median, 10-90 % band and worst case (`tracklayer.api.sample`'s table)."""
    from rich import box
    from rich.table import Table as RichTable

    from tracklayer.campaign.analysis import MAXIMIZE, spread

    table = RichTable(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    for name in ("threat", "metric", "one draw", "median", "10-90 %", "worst", "n"):
        table.add_column(name, justify="left" if name in ("threat", "metric") else "right", no_wrap=True)
    mine = samples.take(samples["node"] == node)
    lead = one_draw.take(one_draw["node"] == node)
    for threat in dict.fromkeys(lead["threat"].tolist()):
        rows = mine["threat"] == threat
        for k, (column, label, unit) in enumerate(SAMPLE_METRICS):
            values = mine[column][rows].astype(np.float64)
            median, p10, p90, worst = spread(values, MAXIMIZE.get(column))
            single = float(lead[column][lead["threat"] == threat][0])
            table.add_row(threat if k == 0 else "", label, _cell(single, unit), _cell(median, unit),
                          f"{_cell(p10, unit)} - {_cell(p90, unit)}", _cell(worst, unit),
                          f"{int(np.isfinite(values).sum())}/{int(rows.sum())}", end_section=k == len(SAMPLE_METRICS) - 1)
    return table
