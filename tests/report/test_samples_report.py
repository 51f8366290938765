"""The run report's "Spread over attack times" section: written from a samples table
(`tracklayer.api.sample`'s shape, built by hand here), absent without one."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from tracklayer import api
from tracklayer.metrics.spread import SAMPLE_METRICS, sample_rows
from tracklayer.outputs.run import write_run
from tracklayer.report.sample_plots import samples_png
from tracklayer.table import Table, concat

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DRAWS = 5
SECTION = "Spread over attack times"


@pytest.fixture(scope="module")
def smoke():
    return api.run("smoke")


@pytest.fixture(scope="module")
def samples(smoke):
    """DRAWS samples of the smoke run's metrics (every node) with custody, warning time and
    position RMS set per draw and threat; the first threat's warning time is undefined in
    one draw."""
    m = smoke.metrics
    threat = np.unique(m["threat"], return_inverse=True)[1]
    parts = []
    for k in range(DRAWS):
        cols = {name: m[name] for name in m.columns if m[name].ndim == 1}
        cols["custody_fraction"] = np.where(threat == 0, [0.1, 0.5, 0.3, 0.9, 0.2][k], [0.6, 0.65, 0.7, 0.62, 0.68][k])
        cols["warning_time_s"] = np.where((threat == 0) & (k == 2), np.nan, 300.0 + 40.0 * k + 100.0 * threat)
        cols["position_rms_m"] = 1000.0 * (1 + k) * (1 + threat)
        parts.append(Table({"sample": np.full(m.num_rows, k, dtype=np.int32), "attack_offset_s": np.full(m.num_rows, 3600.0 * k),
                            "seed": np.full(m.num_rows, k, dtype=np.int64), **cols}))
    return concat(parts)


@pytest.fixture(scope="module")
def reports(smoke, samples, tmp_path_factory):
    """The report written by the run writers with and without the samples."""
    out = {}
    for name, extra in (("with", {"samples": samples}), ("without", None)):
        folder = tmp_path_factory.mktemp(name)
        written = write_run(smoke, folder, skip=("scene",), extra=extra)
        out[name] = written["report"].read_text(encoding="utf-8")
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.0f}"


def test_rows_are_the_spread_of_each_threat_and_metric(smoke, samples):
    node = smoke.picture_node
    rows = sample_rows(samples, smoke.metrics, node)
    lead = smoke.metrics.take(smoke.metrics["node"] == node)
    assert [(r.threat, r.column) for r in rows] == [(t, c) for t in lead["threat"].tolist() for c, _, _ in SAMPLE_METRICS]
    for r in rows:
        mine = samples.take((samples["node"] == node) & (samples["threat"] == r.threat))
        x = mine[r.column][np.isfinite(mine[r.column])]
        assert (r.median, r.p10, r.p90) == pytest.approx(tuple(np.quantile(x, [0.5, 0.1, 0.9])))
        assert r.worst == (x.min() if r.column != "position_rms_m" else x.max())  # custody and warning: larger is better
        assert (r.finite, r.n) == (x.size, DRAWS)
        assert r.one_draw == lead[r.column][lead["threat"] == r.threat][0]


def test_report_has_the_section_tables_figure_and_sentence(smoke, samples, reports):
    html = reports["with"]
    assert SECTION in html and 'href="#samples"' in html
    assert html.index('id="samples"') < html.index('id="summary"')  # near the top
    for _, label, _ in SAMPLE_METRICS:
        assert f">{label} (" in html
    png = re.search(r'<figure id="fig-samples">\s*<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert png and base64.b64decode(png.group(1)).startswith(PNG_MAGIC)
    # the sentence names the threat with the widest custody band and its numbers
    rows = [r for r in sample_rows(samples, smoke.metrics, smoke.picture_node) if r.column == "custody_fraction"]
    widest = max(rows, key=lambda r: r.p90 - r.p10)
    sentence = re.search(r'<p class="note" id="spread-sentence">(.*?)</p>', html, re.S)
    assert sentence and sentence.start() < html.index('id="samples"')
    text = sentence.group(1)
    assert text.startswith(f"Over {DRAWS} attack times drawn over a day, {widest.threat}&#39;s custody")
    assert f"ranges {_pct(widest.p10)}–{_pct(widest.p90)} %" in text and f"median {_pct(widest.median)} %" in text
    assert f"worst {_pct(widest.worst)} %" in text and f"with {_pct(widest.one_draw)} %" in text
    # the undefined warning time shows in n
    assert f"{DRAWS - 1}/{DRAWS}" in html and f"{DRAWS}/{DRAWS}" in html


def test_report_without_samples_has_no_section(reports):
    html = reports["without"]
    assert SECTION not in html and 'id="samples"' not in html and "spread-sentence" not in html and 'href="#samples"' not in html
    # the rest of the report is the same, figures aside (their bytes carry nothing of the samples)
    strip = re.compile(r'data:image/png;base64,[A-Za-z0-9+/=]+|<figure id="fig-samples">.*?</figure>|<section id="samples">.*?</section>\n\n'
                       r'|  <p class="note" id="spread-sentence">.*?</p>\n|<a href="#samples">[^<]*</a>|figures took [0-9.]+ s'
                       r'| These figures are one draw[^<]*', re.S)
    assert strip.sub("", reports["with"]) == strip.sub("", html)


def test_figure_marks_every_threat_and_depends_on_the_values(smoke, samples):
    rows = [r for r in sample_rows(samples, smoke.metrics, smoke.picture_node) if r.column == "custody_fraction"]
    png = samples_png(rows)
    assert png.startswith(PNG_MAGIC) and png == samples_png(rows)
    shifted = [type(r)(**{**r.__dict__, "one_draw": 1.0 - r.one_draw}) for r in rows]
    assert samples_png(shifted) != png
