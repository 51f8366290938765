"""Marginal value of each partner: the lead picture's figures with and without a
nation's sensors and tracking nodes.

Each comparison reruns tracking, the network and the metrics on the same orbits,
threats and detections (the partner's detections removed), so the difference is the
partner's contribution and not a different random draw. Gains are positive when the
partner helps: more custody and warning time, a smaller position error and shorter
custody gaps. (The track latency is measured from the first detection of the run's own
sensors, so it is not compared across partner mixes; the warning time is.)
"""

from __future__ import annotations

import numpy as np

from tracklayer.table import Table

GAINS = (
    ("custody_fraction", 1.0),
    ("warning_time_s", 1.0),
    ("position_rms_m", -1.0),
    ("longest_gap_s", -1.0),
)
"""Metric and the sign that makes its gain positive when the partner helps."""

PARTNER_COLUMNS = {
    "nation": "nation left out",
    "threat": "threat name",
    "node": "the picture compared (the lead node)",
    **{f"{m}{suffix}": f"{m}: {text}" for m, _ in GAINS for suffix, text in (
        ("", "with every partner"), ("_without", "without this nation"), ("_gain", "gain from this nation (positive: it helps)"))},
}


def partner_table(base, reruns: dict) -> Table:
    """Rows per (nation, threat) comparing ``base`` (a `RunResult`) with each rerun
    (nation -> `RunResult` without it) on the base's lead picture node."""
    node = base.picture_node
    m = base.metrics.take(base.metrics["node"] == node)
    cols: dict[str, list] = {k: [] for k in PARTNER_COLUMNS}
    for nation, other in reruns.items():
        o = other.metrics.take(other.metrics["node"] == node)  # empty when the lead node was the partner's own
        for i in range(m.num_rows):
            j = list(o["threat"]).index(m["threat"][i]) if o.num_rows else -1
            cols["nation"].append(nation)
            cols["threat"].append(m["threat"][i])
            cols["node"].append(node)
            for metric, sign in GAINS:
                with_, without = float(m[metric][i]), float(o[metric][j]) if j >= 0 else np.nan
                if metric == "custody_fraction":
                    without = 0.0 if np.isnan(without) else without
                cols[metric].append(with_)
                cols[f"{metric}_without"].append(without)
                cols[f"{metric}_gain"].append(sign * (with_ - without))
    return Table({k: np.array(v, dtype=object if k in ("nation", "threat", "node") else np.float64) for k, v in cols.items()})
