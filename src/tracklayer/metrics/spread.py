"""The spread of a metric over runs: median, 10-90 % band and worst case, and the
rows that set a run's metrics beside the spread of its samples over attack time
(`tracklayer.api.sample`), shown by the command line and the run report alike.

>>> spread(np.array([0.2, 0.4, np.nan, 0.6]), maximize=True)
(0.4, 0.24000000000000002, 0.56, 0.2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.table import Table

__all__ = ["MAXIMIZE", "SAMPLE_METRICS", "SampleRow", "spread", "sample_rows"]

MAXIMIZE = {
    "custody_fraction": True, "warning_time_s": True, "time_to_confirmed_track_s": False, "position_rms_m": False,
    "velocity_rms_m_s": False, "ir_coverage_1": True, "ir_coverage_2": True, "ir_coverage_3": True,
    "radar_coverage": True, "time_to_first_detection_s": False, "custody_gaps": False, "longest_gap_s": False,
}
"""Which direction is better, for the metrics where that is clear."""

SAMPLE_METRICS = (("custody_fraction", "custody", "%"), ("warning_time_s", "warning time", "s"), ("position_rms_m", "position RMS", "km"))
"""The headline metrics of a run's samples over attack time: (metrics column, label, unit:
``%`` a fraction, ``s`` seconds, ``km`` metres shown in km)."""


def spread(values: np.ndarray, maximize: bool | None = None) -> tuple[float, float, float, float]:
    """(median, 10th percentile, 90th percentile, worst) of the finite ``values``: the
    distribution over runs, not the uncertainty of the mean. ``worst`` is the smallest
    value where larger is better (``maximize``), the largest where smaller is better,
    NaN where the direction is unknown; NaN everywhere without a finite value."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return np.nan, np.nan, np.nan, np.nan
    median, p10, p90 = (float(q) for q in np.quantile(x, [0.5, 0.1, 0.9]))
    worst = np.nan if maximize is None else float(x.min() if maximize else x.max())
    return median, p10, p90, worst


@dataclass(frozen=True)
class SampleRow:
    """One threat's metric: the one-draw value beside its samples' spread.

    ``values``: the samples' values (shape (n,), NaN where undefined); ``finite``: how
    many of them are defined."""

    threat: str
    column: str
    label: str
    unit: str
    one_draw: float
    median: float
    p10: float
    p90: float
    worst: float
    values: np.ndarray

    @property
    def finite(self) -> int:
        return int(np.isfinite(self.values).sum())

    @property
    def n(self) -> int:
        return int(self.values.size)


def sample_rows(samples: Table, one_draw: Table, node: str) -> list[SampleRow]:
    """Per threat of ``one_draw`` (a run's metrics table) at ``node``, in its order, and
    per metric of `SAMPLE_METRICS`: the run's value beside the `spread` of the samples'
    (`tracklayer.api.sample`'s table) in the metric's `MAXIMIZE` direction."""
    mine = samples.take(samples["node"] == node)
    lead = one_draw.take(one_draw["node"] == node)
    rows = []
    for threat in dict.fromkeys(lead["threat"].tolist()):
        of_threat = mine["threat"] == threat
        for column, label, unit in SAMPLE_METRICS:
            values = np.asarray(mine[column][of_threat], dtype=np.float64)
            single = float(lead[column][lead["threat"] == threat][0])
            rows.append(SampleRow(str(threat), column, label, unit, single, *spread(values, MAXIMIZE.get(column)), values))
    return rows
