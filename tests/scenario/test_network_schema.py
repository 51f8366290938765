"""The scenario's network section: every bad input gets one clear line naming file,
field and problem (exit status 2), and scenarios without it keep their meaning."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from tracklayer.cli import app
from tracklayer.network.config import ALL_SOURCES, JOINT, NetworkConfig
from tracklayer.network.run import source_bits
from tracklayer.scenario.loader import ScenarioError, builtin_path, load_scenario

SMOKE = builtin_path("smoke").read_text()
NET = """
network:
  nodes:
    - {id: US, nation: US}
    - {id: JP, nation: JP}
    - {id: joint}
  links:
    - {from: US, to: joint, latency_s: 1}
    - {from: JP, to: joint}
    - {from: joint, to: JP, content: picture}
  release:
    - {sources: [J/FPS-5 Ominato], to: [joint]}
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{from: US, to: joint, latency_s: 1}", "{from: US, to: hq}", "scn.yaml: network: links[0].to: node 'hq' is not among nodes"),
        ("{id: JP, nation: JP}", "{id: US, nation: JP}", "scn.yaml: network: nodes: duplicate ids ['US']"),
        ("{from: JP, to: joint}", "{from: JP, to: joint, content: picture}", "fused pictures go round a cycle (JP -> joint -> JP)"),
        ("{id: JP, nation: JP}", "{id: JP, nation: JP, sensors: [AN/TPY-2 Shariki]}", "'AN/TPY-2 Shariki' is already owned by node 'US'"),
        ("{id: JP, nation: JP}", "{id: JP}", "network.nodes: no node owns ['J/FPS-5 Ominato']"),
        ("{id: JP, nation: JP}", "{id: JP, nation: KR}", "network.nodes[1].nation: 'KR' is not among nations"),
        ("[J/FPS-5 Ominato]", "[Ominato]", "network.release[0].sources: 'Ominato' is neither a constellation, a radar nor a nation id"),
        ("to: [joint]}", "to: [joint]}\n    - {sources: [JP], to: [joint]}", "network.release[1]: 'J/FPS-5 Ominato' to 'joint' is already ruled by release[0]"),
        ("latency_s: 1}", "latency_s: 1, report_interval_s: 30}", "network.links[0].report_interval_s: 30 s is not below the receiving node's fusion.stale_s"),
        ("latency_s: 1}", "latency_s: 1, loss: 1.5}", "scn.yaml: network.links[0].loss: Input should be less than 1"),
        ("latency_s: 1}", "latency_s: 1, bandwidth_tracks_s: 5, bandwidth_bytes_s: 900}", "give bandwidth_tracks_s or bandwidth_bytes_s, not both"),
        ("latency_s: 1}", "latency_s: 1, outages: [{start_s: 50, end_s: 10}]}", "end_s 10.0 must be after start_s 50.0"),
        ("{id: joint}", "{id: joint, fusion: {method: kalman}}", "scn.yaml: network.nodes[2].fusion.method: Input should be 'ci', 'fast_ci' or 'information'"),
        ("{from: US, to: joint, latency_s: 1}", "{from: US, to: US}", "a link from node 'US' to itself"),
    ],
)
def test_bad_network_names_file_field_and_problem(tmp_path, old, new, expected):
    assert old in NET
    path = tmp_path / "scn.yaml"
    path.write_text(SMOKE + NET.replace(old, new, 1))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and expected in result.output and "Traceback" not in result.output, result.output
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert any(expected in line for line in info.value.lines)


def test_no_network_section_is_one_joint_node_with_every_sensor(tmp_path):
    """Scenario files without a network keep their meaning: one node, 'joint', owning
    every sensor (the single tracker); with the section, nodes, links and the lead
    picture compile as written and ``without`` removes a nation's nodes and links."""
    net = NetworkConfig.from_scenario(load_scenario("smoke"))
    assert [n.id for n in net.nodes] == [JOINT] and net.nodes[0].own == ALL_SOURCES and not net.networked
    path = tmp_path / "scn.yaml"
    path.write_text(SMOKE + NET)
    scn = load_scenario(path)
    net = NetworkConfig.from_scenario(scn)
    assert [n.id for n in net.nodes] == ["US", "JP", "joint"] and net.nodes[net.picture].id == JOINT
    assert [lk.name for lk in net.links] == ["US->joint", "JP->joint", "joint->JP"] and net.order.index(1) > net.order.index(2)
    fps5 = 1 << 3
    assert int(net.release.tracks[2]) & fps5 and not int(net.release.tracks[0]) & fps5  # ruled: joint only (and its owner)
    assert int(net.release.tracks[1]) & fps5 and not int(net.release.measurements[2]) & fps5
    path.write_text(SMOKE + NET.replace("{id: JP, nation: JP}", "{id: JP, nation: JP, tracker: {confirm_hits: 5}, reorder_buffer_s: 2}"))
    tuned = NetworkConfig.from_scenario(load_scenario(path))
    assert tuned.nodes[1].tracker.management.confirm_hits == 5 and tuned.nodes[1].tracker.reorder_buffer_s == 2.0
    assert tuned.nodes[0].tracker.management.confirm_hits == 3  # the scenario's tracker section
    reduced = NetworkConfig.from_scenario(scn, ("JP",))
    assert [n.id for n in reduced.nodes] == ["US", "joint"] and [lk.name for lk in reduced.links] == ["US->joint"]
    assert load_scenario("indo-pacific").network is not None


def test_more_than_64_sensor_groups(tmp_path):
    """Provenance is a 64-bit mask: a networked scenario with 65 radars is refused with
    one line; without a network it runs as before (groups beyond the 64th share the top
    bit, which decides nothing there)."""
    radars = "".join(f"  - {{name: R{i}, nation: US, site: {{lat_deg: 0, lon_deg: {i}}}, max_range_km: 100}}\n" for i in range(65))
    body = SMOKE.split("radars:")[0] + "radars:\n" + radars + "\nthreats:" + SMOKE.split("threats:")[1]
    path = tmp_path / "scn.yaml"
    path.write_text(body)
    net = NetworkConfig.from_scenario(load_scenario(path))
    assert not net.networked and net.owner_of(64 + 1) == JOINT
    assert source_bits(np.array([0, 63, 70])).tolist() == [1, 1 << 63, 1 << 63]
    path.write_text(body + "network: {nodes: [{id: US, nation: US}, {id: JP, nation: JP}]}\n")
    with pytest.raises(ScenarioError, match="66 constellations and radars; a networked scenario takes at most 64"):
        load_scenario(path)
