"""The run's event log: launch, first detection, first confirmed track, custody lost and
regained, impact, with the same definitions as `tracklayer.metrics.threat_metrics`.

Launch and impact are the metrics' ``launch_t_s``/``impact_t_s``; the first detection is
the earliest detection of the threat by any sensor; a node's first confirmed track is its
first confirmed row assigned to the threat; custody is held at a truth time (the
threat in flight) when a confirmed row of the node is assigned to the threat at that
time, and each run of not-held times after the first held one is a custody loss
(counted as the metrics' ``custody_gaps``), regained when custody comes back before impact.
"""

from __future__ import annotations

import numpy as np

from tracklayer.table import Table

KINDS = ("launch", "first_detection", "confirmed", "custody_lost", "custody_regained", "impact")
"""Event kinds, in the order events at one time are listed."""


def _event(t_s: float, kind: str, threat: str, node: str | None, text: str) -> dict:
    return {"t_s": round(float(t_s), 3), "kind": kind, "threat": threat, "node": node, "text": text}


def event_log(truth: Table, det: Table, tracks: Table, metrics: Table, sensor_names: list[str], nodes: list[str],
              threat_names: dict[int, str]) -> list[dict]:
    """Events of every threat, sorted by time: [{t_s, kind, threat, node (None: any picture), text}].

    Parameters
    ----------
    truth, det, tracks, metrics : the run's tables (truth rows are the times a threat flies)
    sensor_names : name of each sensor id
    nodes : the pictures to log custody for
    threat_names : threat id -> name
    """
    out: list[dict] = []
    conf = tracks["status"] == "confirmed"
    for i, name in threat_names.items():
        m = metrics["threat"] == name
        if m.any():
            out.append(_event(metrics["launch_t_s"][m][0], "launch", name, None, f"{name} launched"))
            out.append(_event(metrics["impact_t_s"][m][0], "impact", name, None, f"{name} impact"))
        seen = np.nonzero(det["truth_id"] == i)[0]
        if seen.size:
            k = seen[np.argmin(det["t_s"][seen])]
            sensor = sensor_names[int(det["sensor_id"][k])]
            out.append(_event(det["t_s"][k], "first_detection", name, None, f"{name} first detected by {sensor}"))
        flight = np.sort(truth["t_s"][truth["threat_id"] == i])
        for node in nodes:
            on = conf & (tracks["node"] == node) & (tracks["truth_id"] == i)
            if not on.any():
                continue
            rows = np.nonzero(on)[0]
            first = rows[np.argmin(tracks["t_s"][rows])]
            out.append(_event(tracks["t_s"][first], "confirmed", name, node,
                              f"{node}: confirmed track T{int(tracks['track_id'][first])} on {name}"))
            held = np.isin(flight, tracks["t_s"][on])
            if not held.any():
                continue
            h = held[np.argmax(held):]
            t = flight[np.argmax(held):]
            edges = np.diff(h.astype(np.int8))
            lost, back = np.nonzero(edges == -1)[0] + 1, np.nonzero(edges == 1)[0] + 1
            for j, k in enumerate(lost):
                after = f"back after {t[back[j]] - t[k]:g} s" if j < back.size else "not regained before impact"
                out.append(_event(t[k], "custody_lost", name, node, f"{node}: custody of {name} lost ({after})"))
            for k in back:
                out.append(_event(t[k], "custody_regained", name, node, f"{node}: custody of {name} regained"))
    out.sort(key=lambda e: (e["t_s"], KINDS.index(e["kind"]), e["threat"], e["node"] or ""))
    return out
