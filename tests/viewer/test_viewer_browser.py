"""The viewer in a real browser: Debian's headless Chromium (software WebGL) driven by
Playwright. Loads a networked run (national nodes, a joint node, a picture fed back),
waits for the page's ready flag (imagery loaded), checks the entities, the node notes
and what each picture draws, picks every radar site at the home view, hovers one, walks
the event log, clicks a fused track and reads its contributors, checks that a paused
viewer renders nothing, saves a screenshot to tests/artifacts/, and asserts that no
request left the loopback server.

Skipped, with the reason, only where Chromium, Playwright or the viewer assets are not
installed (`make test` installs all three); on CI (``CI`` set) a missing piece fails.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tracklayer.viewer.server import ViewerError, find_cesium, make_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]

pytestmark = pytest.mark.browser


def _require(ok: bool, reason: str) -> None:
    if not ok:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)


@pytest.fixture(scope="module")
def page_on_run(networked_run, tmp_path_factory):
    _require(CHROMIUM.is_file(), f"{CHROMIUM} not installed (`make chromium` installs Debian's chromium as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "playwright not installed (pip install -e '.[test]')")
    try:
        cesium = find_cesium()
    except ViewerError as exc:
        _require(False, str(exc))
    server = make_server(networked_run[1], cesium_dir=cesium)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    requests, errors, tiles = [], [], []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), args=FLAGS, headless=True,
            viewport={"width": 1400, "height": 860},
        )
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("response", lambda r: tiles.append(r.status) if "/NaturalEarthII/" in r.url and r.url.endswith(".jpg") else None)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url)
        page.wait_for_selector("body[data-ready]", state="attached", timeout=90_000)
        yield page, server, {"requests": requests, "errors": errors, "tiles": tiles}
        context.close()
    server.shutdown()
    server.server_close()


def _frames(page, ms: int = 600) -> None:
    page.evaluate("tracklayer.viewer.scene.requestRender()")
    page.wait_for_timeout(ms)


def _pick(page, entity_id: str) -> str:
    """Click where ``entity_id`` is drawn; take it from the chooser if several objects are there.
    Returns the id the panel then shows."""
    page.evaluate("tracklayer.viewer.selectedEntity = undefined")
    xy = page.evaluate(f"tracklayer.screenPosition({entity_id!r})")
    assert xy is not None, entity_id
    page.mouse.click(xy["x"], xy["y"])
    if page.is_visible("#chooser"):
        page.click(f'#chooser button[data-entity="{entity_id}"]')
    page.wait_for_selector("#details:not([hidden])", timeout=10_000)
    return page.get_attribute("#details", "data-entity")


def test_viewer_in_headless_chromium(page_on_run, networked_run):
    page, server, seen = page_on_run
    result, _ = networked_run
    assert page.evaluate("tracklayer.imageryReady && tracklayer.tilesLoaded") is True
    assert page.evaluate("tracklayer.viewer.scene.requestRenderMode") is True
    ids = page.evaluate("tracklayer.entityIds()")
    assert sum(i.startswith("satellite/") for i in ids) == 28
    radars = [f"radar/{r.name}" for r in result.scenario.radars]
    assert set(radars) <= set(ids)
    assert {"threat/BM-1", "threat/HGV-1"} <= set(ids)
    assert [i for i in ids if i.startswith("track/joint/")] and page.evaluate("tracklayer.orbits.length") == 4
    assert page.locator("#metrics tbody tr").count() == 2
    assert page.locator("#legend svg").count() >= 10  # symbols and line styles
    assert page.locator("#timeline-axis .tick").count() >= 3

    # The joint picture's note comes from the network; Australia draws no detections it never receives.
    assert "fuses the tracks of US (US->joint)" in page.inner_text("#layer-note")
    page.click("#layers button[data-layer=AU]")
    assert "no sensors of its own" in page.inner_text("#layer-note")
    page.evaluate("tracklayer.setTime(200)")
    _frames(page)
    assert page.evaluate("tracklayer.visibleDetections") == 0
    page.click("#layers button[data-layer=US]")
    _frames(page)
    assert page.evaluate("tracklayer.visibleDetections") > 0

    # Switch to the truth layer and back: tracks hide, the metrics table changes.
    page.click("#layers button[data-layer=truth]")
    assert page.get_attribute("#layers button[data-layer=truth]", "aria-checked") == "true"
    assert page.evaluate("tracklayer.trackSources.joint.show") is False
    assert page.text_content("#metrics-title") == "Threats and coverage"
    page.click("#layers button[data-layer=joint]")
    assert page.evaluate("tracklayer.trackSources.joint.show") is True

    # Every radar site picks itself at the home view (through the chooser where sites overlap).
    page.evaluate("tracklayer.setTime(0)")
    page.click(".cesium-home-button")
    page.wait_for_timeout(2500)
    for radar in radars:
        assert _pick(page, radar) == radar
        assert "Nation" in page.inner_text("#details")
    # Hovering a site names it.
    xy = page.evaluate(f"tracklayer.screenPosition({radars[0]!r})")
    page.mouse.move(xy["x"], xy["y"])
    page.wait_for_selector("#tooltip:not([hidden])", timeout=5_000)
    assert radars[0].split("/", 1)[1] in page.inner_text("#tooltip")

    # The event log follows the clock and moves it.
    events = page.locator("#events li")
    texts = events.all_inner_texts()
    assert any("BM-1 launched" in x for x in texts) and any("joint: confirmed track" in x for x in texts)
    assert not any(x.split("\t")[-1].startswith(("US:", "JP:", "AU:")) for x in texts)  # the joint picture's own
    confirmed = page.locator("#events li[data-kind=confirmed]").first
    confirmed.click()
    t_confirmed = next(e["t_s"] for e in page.evaluate("tracklayer.data.events") if e["kind"] == "confirmed" and e["node"] == "joint")
    assert page.evaluate("tracklayer.now()") == pytest.approx(t_confirmed, abs=0.01)
    page.wait_for_timeout(400)
    assert "current" in (confirmed.get_attribute("class") or "")

    # A fused joint track names its contributing sensors and nations from the tracks table.
    t = page.evaluate("(() => { const tr = tracklayer.data.tracks.find(x => x.node === 'joint' && x.truth_id.includes(0) && x.status.includes(1)"
                      " && x.contributors.length); const k = tr.status.indexOf(1); const t = Math.max(tr.t_s[k] + 30, tr.contributors[0][1]);"
                      " tracklayer.setTime(t); tracklayer.trackId = `track/${tr.node}/${tr.track_id}`; return t; })()")
    track_id = page.evaluate("tracklayer.trackId")
    _frames(page, 800)
    assert _pick(page, track_id) == track_id
    panel = page.inner_text("#details")
    assert "Status\tconfirmed" in panel and "Assigned threat\tBM-1" in panel
    nations = panel.split("Contributing nations\t", 1)[1].split("\n", 1)[0]
    assert nations != "—" and set(nations.split(", ")) <= {"US", "JP"}
    assert page.locator("#details .contributors .chip").count() >= 1
    assert page.inner_text("#clock").startswith(f"T+{t:.0f} s")

    # Paused: no frame is rendered while nothing changes.
    frames = page.evaluate("(async () => { let n = 0; const f = () => n++; tracklayer.viewer.scene.postRender.addEventListener(f);"
                           " await new Promise(r => setTimeout(r, 1500)); tracklayer.viewer.scene.postRender.removeEventListener(f); return n; })()")
    assert frames <= 2

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "viewer-networked.png"
    page.screenshot(path=str(shot))
    print(f"viewer screenshot: {shot}")
    assert shot.stat().st_size > 50_000

    # Fully offline: every request went to this server (or was data:/blob:), imagery tiles included.
    own = f"127.0.0.1:{server.port}"
    outside = [u for u in seen["requests"] if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != own]
    assert outside == []
    assert seen["tiles"] and set(seen["tiles"]) == {200}
    assert seen["errors"] == []
