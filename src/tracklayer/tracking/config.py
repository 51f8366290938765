"""Tracker configuration: the components of one tracker, built from the scenario's
``tracker`` section (`tracklayer.scenario.schema.Tracker`) or directly in Python."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from tracklayer.earth.constants import DEG
from tracklayer.sensors import ANGLES, RADAR
from tracklayer.tracking.filters import EKF
from tracklayer.tracking.imm import IMM
from tracklayer.tracking.management import Management
from tracklayer.tracking.measurement_models import POSITION
from tracklayer.tracking.motion_models import Ballistic, Glide
from tracklayer.tracking.registry import FILTERS, motion_from_spec


@dataclass(frozen=True)
class SingleSensorConfig:
    """Range-parameterised initiation from one angles-only sensor (SI units)."""

    min_altitude_m: float = 15e3
    max_altitude_m: float = 100e3
    max_range_m: float = 6000e3
    range_cv: float = 0.1
    max_hypotheses: int = 24
    hits: int = 4
    max_hold_s: float = 60.0


PD_SCORE_MAX = 1.0 - 1e-9
"""Largest Pd the track score charges a miss with: Pd = 1 makes a miss cost
ln(1e-9) ~ -20.7 rather than minus infinity (and keeps likelihood gains finite)."""


@dataclass(frozen=True)
class TrackerConfig:
    """Every component and parameter of one tracker, SI units.

    ``estimator``: motion model(s) and filter (predictor + updater);
    ``association``: ``"gnn"`` or ``"jpda"`` for confirmed tracks (tentative tracks
    always use GNN on the detections the confirmed tracks left, as Stone Soup's
    multi-measurement initiator does); ``gnn_cost``: ``"distance2"`` (chi-square
    d^2), ``"distance"`` (Mahalanobis d, Stone Soup's GNN) or ``"likelihood"``
    (-ln of the detection likelihood ratio); ``clutter_density``: false-alarm density
    per measurement kind (angles per sr, radar per m sr, position per m^3).
    """

    estimator: IMM = field(default_factory=lambda: default_imm())
    gate_probability: float = 0.9999
    association: str = "gnn"
    gnn_cost: str = "distance2"
    pd: float = 0.9
    clutter_density: dict = field(default_factory=lambda: {ANGLES: 1.0, RADAR: 1e-6, POSITION: 1e-12})
    jpda_max_events: float = 20000.0
    management: Management = Management()
    new_target_ratio: float = 0.01
    init_velocity_sigma_m_s: float = 4000.0
    min_convergence_rad: float = 3.0 * DEG
    triangulation_gate_sigma: float = 5.0
    single_sensor: SingleSensorConfig | None = None
    reorder_buffer_s: float = 0.0

    @property
    def log_miss(self) -> float:
        """ln(1 - Pd): the score change of a missed track, with Pd capped at `PD_SCORE_MAX`."""
        return math.log1p(-min(self.pd, PD_SCORE_MAX))

    @property
    def initial_score(self) -> float:
        return math.log(self.new_target_ratio)

    @classmethod
    def from_spec(cls, spec) -> TrackerConfig:
        """From a validated `tracklayer.scenario.schema.Tracker`."""
        filt = FILTERS[spec.filter](spec.ukf)
        if spec.motion is not None:
            est = IMM((motion_from_spec(spec.motion),), filt)
        elif spec.imm is not None:
            est = IMM(tuple(motion_from_spec(m) for m in spec.imm.models), filt, tuple(spec.imm.sojourn_s), spec.imm.pad_accel_sigma_m_s2**2)
        else:
            est = default_imm(spec.process_noise_m2_s3, filt)
        ss = spec.single_sensor_init
        cd = spec.clutter_density
        return cls(
            estimator=est,
            gate_probability=spec.gate_probability,
            association=spec.association,
            gnn_cost=spec.gnn_cost,
            pd=spec.pd,
            clutter_density={ANGLES: cd.angles_per_sr, RADAR: cd.radar_per_m_sr, POSITION: cd.position_per_m3},
            jpda_max_events=float(spec.jpda_max_events),
            management=Management(
                confirmation=spec.confirmation,
                confirm_hits=spec.confirm_hits,
                confirm_window_s=spec.confirm_window_s,
                tentative_coast_s=spec.tentative_coast_s,
                coast_limit_s=spec.coast_limit_s,
                false_track_probability=spec.false_track_probability,
                true_track_deletion_probability=spec.true_track_deletion_probability,
                score_drop=spec.score_drop,
                max_position_sigma_m=spec.max_position_sigma_km * 1e3,
            ),
            new_target_ratio=spec.new_target_ratio,
            init_velocity_sigma_m_s=spec.init_velocity_sigma_m_s,
            min_convergence_rad=spec.min_convergence_deg * DEG,
            triangulation_gate_sigma=spec.triangulation_gate_sigma,
            single_sensor=SingleSensorConfig(
                ss.min_altitude_km * 1e3, ss.max_altitude_km * 1e3, ss.max_range_km * 1e3, ss.range_cv,
                ss.max_hypotheses, ss.hits, ss.max_hold_s,
            ) if ss.enabled else None,
            reorder_buffer_s=spec.reorder_buffer_s,
        )


def default_imm(ballistic_q_m2_s3: float = 400.0, filt=EKF()) -> IMM:
    """The default estimator for missiles and glide vehicles: an IMM of a ballistic model
    (central + J2 gravity, white acceleration noise), a quiet glide (aerodynamic
    acceleration with sigma 3 m/s^2, tau 300 s: equilibrium glide), a manoeuvring
    glide (20 m/s^2, 30 s: pull-ups, bank reversals) and a re-entry/dive mode
    (150 m/s^2, 10 s: the 10-40 g of a re-entry vehicle's drag and a glider's terminal
    dive), with mean sojourn times of 60, 60, 20 and 10 s (docs/tracking.md)."""
    return IMM((Ballistic(ballistic_q_m2_s3), Glide(3.0, 300.0), Glide(20.0, 30.0), Glide(150.0, 10.0)), filt, (60.0, 60.0, 20.0, 10.0), 10.0**2)
