"""The viewer's per-node data on a networked run, against the run's tables and network:
contributors from the tracks' provenance, only the detections a node receives, notes
generated from the network, the event log against the metrics, and a detection
budget that keeps real detections first."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tracklayer.viewer.data import Budget, build_view
from tracklayer.viewer.events import event_log
from tracklayer.viewer.network import contributors, source_bits


@pytest.fixture(scope="module")
def view(networked_run):
    return build_view(networked_run[1])


def test_run_json_describes_the_network(networked_run):
    result, folder = networked_run
    net = json.loads((folder / "run.json").read_text())["network"]
    names = net["sources"]
    nodes = {n["id"]: n for n in net["nodes"]}
    assert set(nodes) == {"US", "JP", "AU", "joint"} and net["networked"] and net["picture"] == "joint"
    assert [names[i] for i in nodes["JP"]["own"]] == ["J/FPS-5 Ominato", "J/FPS-5 Shimokoshiki"]
    assert [names[i] for i in nodes["JP"]["measurements_from"]] == ["AN/TPY-2 Kyogamisaki"]
    assert nodes["joint"]["own"] == [] and nodes["AU"]["measurements_from"] == []
    assert names.index("AN/TPY-2 Kyogamisaki") not in nodes["joint"]["tracks_from"]
    assert {"from": "joint", "to": "JP", "content": "picture"} in net["links"]


def test_every_picture_names_its_contributors_from_the_tracks_table(networked_run, view):
    """Each track's contributors are exactly the sensor groups in its rows' `sources`
    masks, first seen where the mask first holds them; their nations are the `nations` column's."""
    result, _ = networked_run
    t = result.tracks
    nations = view["sources"]["nation"]
    for tr in view["tracks"]:
        rows = (t["node"] == tr["node"]) & (t["track_id"] == tr["track_id"])
        bits = source_bits(t["sources"][rows], len(nations))
        got = {s: first for s, first, _ in tr["contributors"]}
        assert set(got) == set(np.nonzero(bits.any(axis=0))[0].tolist())
        for s, first in got.items():
            assert first == pytest.approx(t["t_s"][rows][bits[:, s]].min())
        assert {nations[s] for s in got} == {n for x in set(t["nations"][rows].tolist()) for n in x.split("+") if n}
    fused = [tr for tr in view["tracks"] if tr["node"] in ("joint", "AU") and 1 in tr["status"]]
    assert fused and all(tr["contributors"] for tr in fused)
    joint_nations = {nations[s] for tr in view["tracks"] if tr["node"] == "joint" for s, _, _ in tr["contributors"]}
    assert joint_nations == {"US", "JP"}


def test_contributors_first_times_and_counts():
    idx = np.array([0, 0, 0, 1, 1])
    t = np.array([1.0, 2.0, 3.0, 5.0, 6.0])
    src = np.array([0b01, 0b11, 0b01, 0b100, 0b100], dtype=np.uint64)
    assert contributors(idx, t, src, 3, 3) == [[[0, 1.0, 3], [1, 2.0, 1]], [[2, 5.0, 2]], []]


def test_a_node_draws_only_the_detections_it_receives(networked_run, view):
    result, _ = networked_run
    nodes = view["layers"]["nodes"]
    sensors = result.sensors
    d = view["detections"]
    mask = np.asarray(d["receivers"])
    names = np.asarray(sensors["sensor"])[np.asarray(d["sensor"])]
    for k, node in enumerate(nodes):
        mine = (mask >> k) & 1 == 1
        drawn = set(names[mine].tolist())
        if node in ("AU", "joint"):  # no sensors of their own, no raw data released to them
            assert not mine.any()
        elif node == "US":
            assert drawn and {str(n) for n in np.asarray(sensors["nation"])[np.asarray(d["sensor"])[mine]]} == {"US"}
        else:
            assert "AN/TPY-2 Kyogamisaki" in drawn and "AN/TPY-2 Shariki" not in drawn and "J/FPS-5 Ominato" in drawn
    # custody's detection bars follow the same rule
    assert all(not c["ir"] and not c["radar"] for c in view["custody"]["AU"].values())


def test_node_notes_say_what_each_picture_is_made_of(view):
    notes = {k: " ".join(v) for k, v in view["layers"]["notes"].items()}
    assert "fused from every sensor" not in notes["AU"] and "no sensors of its own" in notes["AU"]
    assert "none are drawn" in notes["AU"] and "joint picture fed back (joint->AU)" in notes["AU"]
    assert "AN/TPY-2 Kyogamisaki received from US" in notes["JP"]
    assert "joint picture fed back (joint->JP)" in notes["JP"]
    assert "Custody of HGV-1" in notes["JP"] and "US data, received from partners" in notes["JP"]
    assert "Not releasable to it: AN/TPY-2 Kyogamisaki" in notes["joint"]
    assert "partners" not in notes["US"]


def _check_events_against_metrics(events, metrics, nodes):
    for i, threat in enumerate(metrics["threat"]):
        node = metrics["node"][i]
        mine = [e for e in events if e["threat"] == threat and e["node"] in (None, node)]
        kinds = [e["kind"] for e in mine]
        launch = next(e["t_s"] for e in mine if e["kind"] == "launch")
        assert launch == pytest.approx(metrics["launch_t_s"][i], abs=1e-3)
        assert next(e["t_s"] for e in mine if e["kind"] == "impact") == pytest.approx(metrics["impact_t_s"][i], abs=1e-3)
        first = [e["t_s"] for e in mine if e["kind"] == "first_detection"]
        assert first[0] - launch == pytest.approx(metrics["time_to_first_detection_s"][i], abs=1e-3)
        confirmed = [e["t_s"] for e in mine if e["kind"] == "confirmed" and e["node"] == node]
        if np.isfinite(metrics["time_to_confirmed_track_s"][i]):
            assert confirmed[0] - launch == pytest.approx(metrics["time_to_confirmed_track_s"][i], abs=1e-3)
        else:
            assert confirmed == []
        assert kinds.count("custody_lost") == metrics["custody_gaps"][i]
        assert kinds.count("custody_regained") in (kinds.count("custody_lost"), kinds.count("custody_lost") - 1)
    assert [e["t_s"] for e in events] == sorted(e["t_s"] for e in events)
    assert {e["node"] for e in events} <= set(nodes) | {None}


def test_event_log_agrees_with_the_metrics(networked_run, view):
    result, _ = networked_run
    _check_events_against_metrics(view["events"], result.metrics, view["layers"]["nodes"])
    assert {e["node"] for e in view["events"] if e["kind"] == "confirmed"} == {"US", "JP", "AU", "joint"}


def test_event_log_agrees_with_the_metrics_without_a_network(smoke_run):
    result, _ = smoke_run
    names = {i: n for i, n in enumerate(result.metrics["threat"])}
    events = event_log(result.truth, result.detections, result.tracks, result.metrics, list(result.sensors["sensor"]), ["joint"], names)
    _check_events_against_metrics(events, result.metrics, ["joint"])
    assert any(e["kind"] == "confirmed" for e in events)


def test_detection_budget_keeps_real_detections_first(networked_run):
    result, folder = networked_run
    real = int((result.detections["truth_id"] >= 0).sum())
    false = result.detections.num_rows - real
    assert false > 100
    view = build_view(folder, Budget(max_detections=real + 50))
    d = view["detections"]
    assert sum(t >= 0 for t in d["truth_id"]) == real and sum(t < 0 for t in d["truth_id"]) == 50
    assert view["thinning"]["detections"] == {"real": [real, real], "false_alarms": [50, false]}
    assert any(f"false alarms: 50 of {false:,} drawn" in n for n in view["thinning"]["notes"])
    tight = build_view(folder, Budget(max_detections=real // 4))
    d = tight["detections"]
    assert all(t >= 0 for t in d["truth_id"]) and len(d["t_s"]) <= real // 4 + 2 * len(set(zip(d["sensor"], d["truth_id"])))
    kept = tight["thinning"]["detections"]
    assert kept["false_alarms"] == [0, false] and kept["real"][1] == real
    assert any(n.startswith(f"detection lines: {kept['real'][0]:,} of {real:,} real detections") for n in tight["thinning"]["notes"])


def test_network_field_of_run_json_is_checked_and_optional(networked_run, tmp_path):
    import shutil

    from tracklayer.viewer.data import RunFolderError

    _, folder = networked_run
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    info = json.loads((bad / "run.json").read_text())
    info["network"]["nodes"][0]["own"] = [99]
    (bad / "run.json").write_text(json.dumps(info))
    with pytest.raises(RunFolderError, match=r"run.json: field network.nodes\[0\].own should list source indices below 5"):
        build_view(bad)
    del info["network"]  # a folder written before run.json held the network: each node's own sensors
    (bad / "run.json").write_text(json.dumps(info))
    view = build_view(bad)
    assert view["sources"]["name"] == ["tracking-layer", "AN/TPY-2 Shariki", "AN/TPY-2 Kyogamisaki", "J/FPS-5 Ominato", "J/FPS-5 Shimokoshiki"]
    k = view["layers"]["nodes"].index("JP")
    names = {view["sensors"]["sensor"][s] for s, m in zip(view["detections"]["sensor"], view["detections"]["receivers"]) if m >> k & 1}
    assert names and all(n.startswith("J/FPS-5") for n in names)
