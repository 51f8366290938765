"""Name -> implementation tables of the tracker's interchangeable components.

Each table is keyed by the names the scenario offers (`tracklayer.scenario.choices`,
which holds their one-line descriptions); `tests/test_registries.py` fails when the
two differ, and runs its contract tests over every entry here.

Motion models (``MOTION_MODELS``, built from a scenario motion spec)
    ``cv``         `ConstantVelocity` (``process_noise_m2_s3``)
    ``ca``         `ConstantAcceleration` (``jerk_noise_m2_s5``)
    ``singer``     `Singer` (``accel_sigma_m_s2``, ``tau_s``)
    ``ballistic``  `Ballistic` (``process_noise_m2_s3``, ``j2``, ``drag``, ``inv_beta_noise_m4_kg2_s``)
    ``glide``      `Glide` (``accel_sigma_m_s2``, ``tau_s``, ``j2``)

Filters (``FILTERS``, built from the tracker's ``ukf`` parameters)
    ``ekf``  `EKF`
    ``ukf``  `UKF` (``alpha``, ``beta``, ``kappa``)
    ``ckf``  `cubature` (the UKF with alpha=1, beta=0, kappa=0)

Associators (``ASSOCIATORS``)
    ``gnn``   `gnn_weights`: the most likely joint event (hard, 0/1 weights)
    ``jpda``  `jpda_weights`: the marginal probabilities over all joint events

To add one: its implementation in its own module (a motion model satisfying
`tracklayer.tracking.motion_models.MotionModel`, a filter with ``predict``,
``predict_measurement`` and ``update``), its name and description in
`tracklayer.scenario.choices`, its entry here, and for a motion model its spec class
(the parameters) in `tracklayer.scenario.schema`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from tracklayer.tracking.association import gnn_pairs, jpda_pairs
from tracklayer.tracking.filters import EKF, UKF, cubature
from tracklayer.tracking.motion_models import Ballistic, ConstantAcceleration, ConstantVelocity, Glide, MotionModel, Singer

MOTION_MODELS: Mapping[str, Callable[..., MotionModel]] = MappingProxyType({
    "cv": lambda spec: ConstantVelocity(spec.process_noise_m2_s3),
    "ca": lambda spec: ConstantAcceleration(spec.jerk_noise_m2_s5),
    "singer": lambda spec: Singer(spec.accel_sigma_m_s2, spec.tau_s),
    "ballistic": lambda spec: Ballistic(spec.process_noise_m2_s3, spec.j2, spec.drag, spec.inv_beta_noise_m4_kg2_s),
    "glide": lambda spec: Glide(spec.accel_sigma_m_s2, spec.tau_s, spec.j2),
})
"""Motion model name -> the model built from its scenario spec (`tracklayer.scenario.schema.Motion`)."""

FILTERS: Mapping[str, Callable[..., EKF | UKF]] = MappingProxyType({
    "ekf": lambda ukf: EKF(),
    "ukf": lambda ukf: UKF(ukf.alpha, ukf.beta, ukf.kappa),
    "ckf": lambda ukf: cubature(),
})
"""Filter name -> the filter built from the tracker's `UKFSpec` (used by ``ukf`` only)."""


def motion_from_spec(spec) -> MotionModel:
    """A motion model from its scenario spec (``spec.model`` names it)."""
    return MOTION_MODELS[spec.model](spec)


def gnn_weights(n_tracks: int, n_dets: int, pi: np.ndarray, pj: np.ndarray, w: np.ndarray, w0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GNN as 0/1 association weights: the feasible joint event of largest prod w_ij
    prod w_i0 (gain ln w_ij - ln w_i0 per pair, `gnn_pairs`). Arguments and results as
    `jpda_weights`."""
    det = gnn_pairs(n_tracks, n_dets, pi, pj, np.log(w) - np.log(w0[pi]))
    beta = (det[pi] == pj).astype(np.float64)
    return beta, (det < 0).astype(np.float64)


def jpda_weights(n_tracks: int, n_dets: int, pi: np.ndarray, pj: np.ndarray, w: np.ndarray, w0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """JPDA marginals (`jpda_pairs`).

    Parameters
    ----------
    pi, pj : (P,) track and detection index of each gated pair, sorted by track
    w : (P,) likelihood ratio of each pair; w0 : (M,) weight of "track not detected"

    Returns
    -------
    beta (P,) weight of each pair, beta0 (M,) weight of "not detected"; per track they
    sum to one, per detection to at most one.
    """
    beta, beta0, _ = jpda_pairs(n_tracks, n_dets, pi, pj, w, w0)
    return beta, beta0


@dataclass(frozen=True)
class Associator:
    """A measurement-to-track association rule on a sparse pair table.

    ``weights(n_tracks, n_dets, pi, pj, w, w0) -> (beta, beta0)`` (see `jpda_weights`);
    ``hard``: the weights are 0/1 (one detection per track at most)."""

    weights: Callable[..., tuple[np.ndarray, np.ndarray]]
    hard: bool


ASSOCIATORS: Mapping[str, Associator] = MappingProxyType({
    "gnn": Associator(gnn_weights, hard=True),
    "jpda": Associator(jpda_weights, hard=False),
})
"""Associator name -> `Associator`. The tracker step (`tracklayer.tracking.tracker`)
runs both with its own fused update; these entries state the rule each name stands
for, and the contract tests hold every entry to it."""
