"""The HTML report: the offline basemap decodes to sensible land, the figures are
valid PNGs of reasonable size, and the report is one self-contained file."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.path import Path as MplPath

from tracklayer import __version__, api
from tracklayer.metrics.coverage import run_coverage
from tracklayer.report import basemap, plots
from tracklayer.report.html import FIGURES, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _on_land(lon_deg: float, lat_deg: float) -> bool:
    """Whether a point lies inside an exterior land ring (any 360 deg shift)."""
    return any(
        MplPath(poly[0]).contains_point((lon_deg + shift, lat_deg))
        for poly in basemap.land_rings()
        for shift in (-360.0, 0.0, 360.0)
    )


@pytest.mark.parametrize(
    ("lon", "lat", "land"),
    [
        (138.0, 36.0, True),  # Honshu
        (127.8, 36.5, True),  # Korea
        (121.0, 15.5, True),  # Luzon
        (144.8, 13.45, True),  # Guam
        (179.5, 67.5, True),  # Chukotka, west of the antimeridian
        (-179.5, 67.5, True),  # Chukotka, east of it: Eurasia crosses 180
        (160.0, 30.0, False),  # north-west Pacific
        (135.0, 40.0, False),  # Sea of Japan
        (-150.0, 0.0, False),  # central Pacific
    ],
)
def test_land_polygons_know_land_from_sea(lon, lat, land):
    assert _on_land(lon, lat) is land


def test_rings_are_closed_and_planar():
    rings = [r for poly in basemap.land_rings() for r in poly]
    assert len(rings) > 1000
    for r in rings:
        assert r.ndim == 2 and r.shape[1] == 2
        np.testing.assert_allclose(r[0], r[-1], atol=1e-9)
        at_pole = np.abs(r[:, 1]) > 89.99
        jump = np.abs(np.diff(r[:, 0])) >= 180.0
        assert not np.any(jump & ~(at_pole[:-1] & at_pole[1:]))  # no jump across the antimeridian
        assert np.all(np.abs(r[:, 1]) <= 90.0)


def test_coastlines_in_a_box_that_crosses_the_antimeridian():
    box = basemap.DEFAULT_BOX
    lines = basemap.coastlines(box)
    assert len(lines) > 50
    pts = np.concatenate(lines)
    assert pts[:, 0].min() >= box.lon_min - 2.0 and pts[:, 0].max() <= box.lon_max + 2.0
    assert (pts[:, 0] > 180.0).any()  # Chukotka / Aleutian coasts shifted past 180
    for line in lines:
        assert line.shape[0] >= 2 and np.all(np.abs(np.diff(line[:, 0])) < 180.0)


def test_fit_box_and_wrap_keep_the_pacific_in_one_piece():
    box = basemap.fit_box(np.array([170.0, -170.0]), np.array([0.0, 10.0]), margin_deg=5.0)
    assert box.lon_min == pytest.approx(165.0) and box.lon_max == pytest.approx(195.0)
    np.testing.assert_allclose(basemap.wrap_lon(np.array([-170.0, 10.0]), 180.0), [190.0, 10.0])
    assert basemap.format_lon(190.0) == "170°W" and basemap.format_lon(180.0) == "180°"
    assert basemap.format_lat(-5.0) == "5°S"


@pytest.fixture(scope="module")
def smoke():
    return api.run("smoke")


def test_figures_are_small_pngs(smoke):
    for draw in (plots.map_png, plots.timeline_png, plots.track_error_png, plots.impact_png, plots.altitude_png):
        png = draw(smoke)
        assert png.startswith(PNG_MAGIC)
        assert 5_000 < len(png) < 250_000, draw.__name__


def test_report_is_one_self_contained_file(smoke, tmp_path: Path):
    path = tmp_path / "report.html"
    write_report(smoke, path, run_coverage(smoke.scenario))
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left behind
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for threat in smoke.scenario.threats:
        assert threat.name in html
    assert smoke.scenario.name in html and __version__ in html and str(smoke.seed) in html
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == len(FIGURES)  # theatre map, timeline, track error, altitude, coverage map and series
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", html)  # nothing to fetch
    assert "<link" not in html and "<script" not in html
