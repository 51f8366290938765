"""What a run produces: `RunResult` (public tables) and `RunState` (the in-memory
arrays the report, scene and partner reruns read), the stage names and the
progress-callback type.

This module holds types only. Annotations name types of the layers above
(`TimeGrid`, `Truth`, ...) for type checkers; at run time it imports nothing else
from tracklayer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only; never imported at run time
    import numpy as np

    from tracklayer.earth.time import TimeGrid
    from tracklayer.network.config import NetworkConfig
    from tracklayer.orbits.constellation import Satellites
    from tracklayer.scenario.schema import Scenario
    from tracklayer.sensors.sensing import Sensing
    from tracklayer.table import Table
    from tracklayer.threats.fly import Truth

__all__ = ["STAGES", "Progress", "clock", "Physics", "RunState", "RunResult"]

STAGES = ("orbits", "threats", "sensing", "tracking", "network", "metrics")
"""Pipeline stages, in order; progress callbacks receive these names."""

Progress = Callable[[str, int, int], None]
"""Progress callback ``(stage, done, total)``."""


def clock() -> float:
    """Wall-clock seconds for stage timings (monotonic)."""
    return time.perf_counter()


@dataclass(frozen=True)
class Physics:
    """The physics of a run (orbits, threats, sensing): what every network variant of
    a scenario shares (`tracklayer.pipeline.simulate`)."""

    grid: TimeGrid
    sats: Satellites
    truth: Truth
    sensing: Sensing
    network_seed: np.random.SeedSequence
    handover: Table | None = None


@dataclass(frozen=True)
class RunState:
    """The in-memory arrays of a run that its tables do not hold.

    ``physics``: the time grid, satellites, truth and sensing (reused by partner
    reruns); ``network``: the resolved network; ``local_tracks``: each node's own
    tracker output by node id (before fusion; None for a node that tracks nothing itself).
    """

    physics: Physics
    network: NetworkConfig
    local_tracks: dict[str, Table | None] = field(repr=False)

    @property
    def grid(self) -> TimeGrid:
        return self.physics.grid

    @property
    def sats(self) -> Satellites:
        return self.physics.sats

    @property
    def truth(self) -> Truth:
        return self.physics.truth

    @property
    def sensing(self) -> Sensing:
        return self.physics.sensing


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced.

    Tables (columns documented in docs/outputs.md): ``truth``, ``detections``,
    ``tracks`` (every node's picture, ``node`` column), ``metrics`` (one row per
    threat per node, the lead picture's node first), ``sensors`` and ``links``
    (transport statistics per network link; empty without a network),
    ``phase_metrics`` (one row per threat per node per flight phase, and ``all``),
    ``impact`` (the lead picture's impact predictions, docs/impact.md), ``handover``
    (hand-overs to track-cued sensors, docs/sensing.md; None without them).
    ``timings_s`` holds wall time per stage; ``state`` (`RunState`) holds the
    in-memory arrays the report and scene are drawn from.
    """

    scenario: Scenario
    seed: int
    truth: Table
    detections: Table
    tracks: Table
    metrics: Table
    sensors: Table
    timings_s: dict[str, float]
    state: RunState = field(repr=False)
    links: Table | None = None
    phase_metrics: Table | None = None
    impact: Table | None = None
    handover: Table | None = None

    @property
    def picture_node(self) -> str:
        """The node whose picture leads the summary and the report (``joint`` by default)."""
        return str(self.metrics["node"][0])
