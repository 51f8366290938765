"""The default scenario's allied laydown: radar sites where open sources put them, and
Australia's nodes (relay ground station, national node with a sea-based radar) wired as
docs/scenario.md describes."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.earth.frames import ecef_to_geodetic
from tracklayer.network.config import NetworkConfig
from tracklayer.scenario.loader import load_scenario
from tracklayer.sensors.radar import RadarParams

# Published positions (deg N, deg E) and where they are published. The J/FPS-5 sites
# other than Ominato, and Guam's THAAD radar, are given to about 0.1 deg only.
PUBLISHED = {
    "AN/TPY-2 Shariki": (40.983, 140.359, "US DoD / press: Shariki Communication Site, Tsugaru, Aomori"),
    "AN/TPY-2 Kyogamisaki": (35.767, 135.195, "US DoD / press: Kyogamisaki Communication Site, Kyotango, Kyoto"),
    "AN/TPY-2 Guam": (13.62, 144.9, "press: THAAD battery at Andersen AFB, Guam (approximate)"),
    "Cobra Dane": (52.712, 174.114, "USAF: Eareckson Air Station, Shemya"),
    "J/FPS-5 Ominato": (41.279, 141.12, "JASDF Ominato sub-base, Mutsu, Aomori (Asahi Shimbun 2012 lists the four FPS-5 sites)"),
    "J/FPS-5 Sado": (38.1, 138.4, "JASDF Sado sub-base, Sado Island, Niigata (Asahi Shimbun 2012; open encyclopaedias, approximate)"),
    "J/FPS-5 Shimo-Koshiki": (31.7, 129.7, "JASDF Shimo-Koshikijima sub-base, Kagoshima (Asahi Shimbun 2012; approximate)"),
    "J/FPS-5 Yozadake": (26.14, 127.72, "JASDF Yozadake sub-base, Itoman, Okinawa (Asahi Shimbun 2012; approximate)"),
    "JORN Longreach": (-23.66, 144.15, "Australian Defence: JORN radar, Longreach, Queensland"),
    "JORN Laverton": (-28.3, 122.4, "Australian Defence: JORN radar, Laverton/Leonora, Western Australia"),
    "JORN Harts Range": (-22.97, 134.45, "Australian Defence: JORN radar receiver, Harts Range, Northern Territory"),
}


@pytest.fixture(scope="module")
def scn():
    return load_scenario("indo-pacific")


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_radar_site_is_where_its_source_puts_it(scn, name):
    """The compiled site (ECEF at the epoch, back to WGS 84) is within 0.1 deg of the
    published latitude and longitude, and the radar is on land (a fixed site)."""
    names = [r.name for r in scn.radars]
    assert name in names, f"{name} missing from the default scenario"
    k = names.index(name)
    assert scn.radars[k].motion is None
    pos, _, _ = RadarParams.from_specs(scn.radars).sites(np.zeros(1))
    lat, lon, _ = ecef_to_geodetic(pos[0, k])
    want_lat, want_lon, source = PUBLISHED[name]
    assert abs(np.degrees(lat) - want_lat) <= 0.1, source
    assert abs(np.degrees(lon) - want_lon) <= 0.1, source


def test_every_fixed_radar_has_a_published_position(scn):
    """No fixed radar enters the default scenario without a position source here."""
    fixed = {r.name for r in scn.radars if r.motion is None}
    assert fixed == set(PUBLISHED)


def test_japan_owns_the_four_fps5_and_australia_a_sea_based_radar(scn):
    nations = {r.name: r.nation for r in scn.radars}
    assert sorted(n for n in nations if n.startswith("J/FPS-5")) == sorted(
        ["J/FPS-5 Ominato", "J/FPS-5 Sado", "J/FPS-5 Shimo-Koshiki", "J/FPS-5 Yozadake"])
    assert all(nations[n] == "JP" for n in nations if n.startswith("J/FPS-5"))
    ships = [r for r in scn.radars if r.motion is not None and r.nation == "AU"]
    assert len(ships) == 1 and ships[0].max_range_km >= 500 and ships[0].max_target_altitude_km > 100


def test_australian_nodes_process_space_data_under_us_release_rules(scn):
    """pine-gap owns no sensor and receives the tracking layer's raw detections (and only
    those); the AU node owns JORN and the destroyer; Cobra Dane reaches neither."""
    net = NetworkConfig.from_scenario(scn)
    ids = [n.id for n in net.nodes]
    src = list(net.sources)
    bit = lambda name: 1 << src.index(name)  # noqa: E731
    relay, au = ids.index("pine-gap"), ids.index("AU")
    assert net.nodes[relay].nation == "AU" and net.nodes[relay].own == 0
    assert int(net.release.measurements[relay]) == bit("tracking-layer")
    au_sources = [s for s, n in zip(src, net.source_nations) if n == "AU"]
    assert net.nodes[au].own == sum(bit(s) for s in au_sources) and len(au_sources) == 4
    for node in (relay, au):
        assert not int(net.release.tracks[node]) & bit("Cobra Dane")
    links = {(net.nodes[lk.source].id, net.nodes[lk.target].id) for lk in net.links}
    assert {("US", "pine-gap"), ("pine-gap", "joint"), ("AU", "joint")} <= links
    # Without Australia both its nodes and its sensors go.
    without = NetworkConfig.from_scenario(scn, without=("AU",))
    assert {n.id for n in without.nodes} == set(ids) - {"AU", "pine-gap"}
