"""The campaign report on a campaign in memory: intervals never leave a metric's domain
(figures and tables), the design-point tables stay page-wide, and the text mentions the
partner figure only when there is one."""

from __future__ import annotations

import html as html_lib
import re

import numpy as np
import pytest
from campaign_testing import synthetic_data

from tracklayer.campaign import report
from tracklayer.campaign.plots import Series


def test_intervals_stay_inside_the_metric_domain(monkeypatch):
    data = synthetic_data()
    drawn: list[tuple[str, Series]] = []
    real = report._series

    def spy(data, x, used, metric, threat, level, ci):
        series, xticks, note = real(data, x, used, metric, threat, level, ci)
        drawn.extend((metric, s) for s in series)
        return series, xticks, note

    monkeypatch.setattr(report, "_series", spy)
    page = report.render_report(data)
    assert {m for m, _ in drawn} >= {"position_rms_m", "custody_fraction"}
    for metric, s in drawn:
        lo, hi = report.DOMAIN[metric]
        scale = report.DISPLAY[metric][1]
        ok = np.isfinite(s.low)
        assert ok.any() and np.all(s.low[ok] >= lo * scale) and np.all(s.high[ok] <= hi * scale), metric
    # the raw t interval of the RMS does reach below zero: the clip is what holds it
    from tracklayer.campaign import analysis as an
    raw = an.group_stats({"x": data.runs["planes"]}, an.run_values(data, "position_rms_m", "all ballistic"), "t", 0.95, mask=data.ok)
    assert np.nanmin(raw["ci_low"]) < 0.0 and np.nanmax(an.group_stats(
        {"x": data.runs["planes"]}, an.run_values(data, "custody_fraction", "all ballistic"), "t", 0.95, mask=data.ok)["ci_high"]) > 1.0
    # the tables: brackets of the page, and of custody within 0-100 %
    cells = [html_lib.unescape(c) for c in re.findall(r'<td class="num">([^<]*)</td>', page)]
    assert min(_brackets(cells)) >= 0.0
    custody = next(t for t in report.point_tables(data) if t["title"].startswith("Custody"))
    bounds = _brackets([c for row in custody["rows"] for c in row])
    assert min(bounds) >= 0.0 and max(bounds) == 100.0


def _brackets(cells: list[str]) -> list[float]:
    """Both bounds of every ``[low, high]`` in the cells."""
    return [float(x.replace(",", "")) for c in cells for pair in re.findall(r"\[(-?[\d.,]+), (-?[\d.,]+)\]", c) for x in pair]


def _width_chars(table: dict) -> int:
    """Characters across a table: per column its longest header word (headers wrap) or cell
    (cells do not), plus padding."""
    headers = [max(len(w) for w in h.split()) for h, _ in table["headers"]]
    return sum(max(head, *(len(row[k]) for row in table["rows"])) + 3 for k, head in enumerate(headers))


def test_design_point_tables_fit_a_page():
    data = synthetic_data()
    tables = report.point_tables(data)
    assert [t["title"] for t in tables][0] == "Designs" and len(tables) == 1 + 3
    for table in tables:
        assert _width_chars(table) <= 120, (table["title"], _width_chars(table))
    # every design point in every table, by number
    numbers = [row[0] for row in tables[0]["rows"]]
    assert len(numbers) == 4 and all([row[0] for row in t["rows"]] == numbers for t in tables)
    # the terminal's one table keeps its cells
    headers, rows = report.summary_rows(data)
    assert len(rows) == 4 and all("[" in c for row in rows for c in row[len(headers) - 6 :])


@pytest.mark.parametrize(("partners", "has_figure"), [(("US", "US+JP"), True), (("US",), False)])
def test_partner_figure_is_mentioned_only_when_drawn(partners, has_figure):
    page = report.render_report(synthetic_data(partners=partners))
    assert ('id="fig-partners"' in page) is has_figure
    assert ("partner figure" in page) is has_figure
