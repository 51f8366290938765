"""The run report's bottom line: one sentence per threat with the custody, warning time and
accuracy of the metrics table, the layer and node that held it, what was missed, and the
one-draw caveat with samples. Also: the report's tables carry human headers."""

from __future__ import annotations

import dataclasses
import html as html_lib
import re

import numpy as np
import pytest

from tracklayer import api
from tracklayer.metrics.coverage import run_coverage
from tracklayer.report.bottom_line import ONE_DRAW, bottom_line, length, pct, threat_sentence
from tracklayer.report.html import render_report
from tracklayer.table import Table


@pytest.fixture(scope="module")
def smoke():
    return api.run("smoke")


@pytest.fixture(scope="module")
def page(smoke):
    return render_report(smoke, run_coverage(smoke.scenario))


def _metrics(custody, warning, rms, nodes=("joint",)):
    """A metrics table of two threats per node; values per (node, threat) in that order."""
    n = len(nodes) * 2
    return Table({
        "node": np.repeat(np.array(nodes, dtype=object), 2), "threat": np.array(["A", "B"] * len(nodes), dtype=object),
        "kind": np.array(["srbm", "hgv"] * len(nodes), dtype=object), "custody_fraction": np.asarray(custody, dtype=np.float64)[:n],
        "warning_time_s": np.asarray(warning, dtype=np.float64)[:n], "position_rms_m": np.asarray(rms, dtype=np.float64)[:n],
        "false_tracks": np.zeros(n, dtype=np.int64),
    })


def test_each_threat_sentence_gives_its_own_numbers(smoke):
    m = smoke.metrics
    lead = m.take(m["node"] == smoke.picture_node)
    lines = bottom_line(smoke)
    for k, threat in enumerate(lead["threat"].tolist()):
        mine = [line for line in lines if line.startswith(f"{threat} (")]
        assert len(mine) == 1, threat
        line = mine[0]
        c, w, r = (float(lead[col][k]) for col in ("custody_fraction", "warning_time_s", "position_rms_m"))
        assert f"held {pct(c)} of its flight" in line
        assert f"warning {w:,.0f} s before impact" in line
        assert f"position error {length(r)} RMS" in line
        assert "fed mostly by " in line  # the smoke run's tracks have a feeding layer
    held = int((lead["custody_fraction"] >= 0.5).sum())
    assert lines[0].startswith(f"Of {lead.num_rows} threats, the {smoke.picture_node} picture held {held} ")


def test_sentences_follow_the_numbers_not_a_template():
    m = _metrics([0.8, 0.0, 0.9, 0.3], [412.0, np.nan, 420.0, 100.0], [850.0, np.nan, 12_345.0, 2000.0], nodes=("joint", "US"))
    a = threat_sentence(m, None, "joint", "A")
    assert a == "A (srbm): held 80 % of its flight, warning 412 s before impact, position error 850 m RMS; the US picture held it longer (90 %)."
    b = threat_sentence(m, None, "joint", "B")
    assert b == "B (hgv) was never held by a confirmed track in the joint picture: no warning."
    assert "longer" not in threat_sentence(m, None, "US", "A")  # the best node says nothing of the others
    assert length(12_345.0) == "12.3 km" and length(850.0) == "850 m"


def test_misses_and_the_one_draw_caveat(smoke):
    m = smoke.metrics
    custody = np.where(m["threat"] == m["threat"][0], 0.0, m["custody_fraction"])
    warning = np.where(m["threat"] == m["threat"][0], np.nan, m["warning_time_s"])
    cols = dict(m.columns)
    missed = dataclasses.replace(smoke, metrics=Table({**cols, "custody_fraction": custody, "warning_time_s": warning}))
    lines = bottom_line(missed, draws=7)
    first = str(m["threat"][0])
    assert any(line.startswith("Missed: never tracked: " + first) for line in lines)
    assert "gave warning of 1." in lines[0]
    assert lines[-1] == ONE_DRAW.format(draws=7)
    assert ONE_DRAW.format(draws=7) not in " ".join(bottom_line(smoke))


def test_report_opens_with_the_bottom_line(smoke, page):
    block = re.search(r'<div class="note" id="bottom-line"><p><b>Bottom line.</b> (.*?)</p></div>', page, re.S)
    assert block and block.start() < page.index('id="summary"')
    text = html_lib.unescape(block.group(1))
    assert text == " ".join(bottom_line(smoke))
    for threat in smoke.scenario.threats:
        assert f"{threat.name} (" in text


def test_link_table_headers_are_words_not_column_names():
    from tracklayer.network.run import LINK_COLUMNS
    from tracklayer.report.html import link_header

    for column in LINK_COLUMNS:
        assert "_" not in link_header(column) and link_header(column).strip(), column
    assert link_header("lost_outage") == "lost in outages" and link_header("latency_p95_s") == "95th pct. latency (s)"


def test_table_headers_are_words_not_column_names(page):
    headers = [html_lib.unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", page)]
    assert headers
    snake = [h for h in headers if re.search(r"[a-z]+_[a-z]", h)]
    assert not snake, snake
