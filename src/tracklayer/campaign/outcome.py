"""What one campaign run returns: a `RunOutcome`, the record a worker hands back and
the store keeps (`tracklayer.campaign.executor` makes them, `tracklayer.campaign.store`
writes them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["RunOutcome", "long_metrics"]

_ID_COLUMNS = ("threat", "kind", "node")


@dataclass
class RunOutcome:
    """What a worker returns for one run (and what the store records).

    ``metrics`` holds the run's metrics table in long format: equal-length columns
    ``row`` (row of the metrics table), ``threat``, ``kind``, ``node``, ``metric``
    and ``value`` (NaN where the metric is undefined); every numeric 1-D column of
    the pipeline's metrics table becomes a metric, so new columns need no change here.
    ``draws`` holds the run's geometry draws (`tracklayer.campaign.geometry.draw`).
    """

    run_key: str
    point_key: str
    repetition: int
    seed: int
    status: str
    error: str | None = None
    traceback: str | None = None
    metrics: dict[str, np.ndarray] | None = None
    satellites: int | None = None
    radars: int | None = None
    threats: int | None = None
    run_s: float | None = None
    task_s: float | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    worker: str = "local"
    host: str = ""
    pid: int = 0
    started_utc: str | None = None
    finished_utc: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    draws: dict[str, Any] = field(default_factory=dict)


def long_metrics(metrics: Any) -> dict[str, np.ndarray]:
    """A run's metrics table (`tracklayer.table.Table`) in long format (see `RunOutcome`)."""
    n = metrics.num_rows
    names = [k for k in metrics.columns if k not in _ID_COLUMNS and metrics[k].ndim == 1 and metrics[k].dtype.kind in "biuf"]
    ids = {k: (np.asarray(metrics[k], dtype=object) if k in metrics else np.full(n, "", dtype=object)) for k in _ID_COLUMNS}
    return {
        "row": np.repeat(np.arange(n, dtype=np.int32), len(names)),
        **{k: np.repeat(v, len(names)) for k, v in ids.items()},
        "metric": np.tile(np.array(names, dtype=object), n),
        "value": np.stack([np.asarray(metrics[k], dtype=np.float64) for k in names], axis=1).reshape(-1) if names else np.zeros(0),
    }
