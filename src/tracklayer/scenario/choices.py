"""The names a scenario may choose for the components implemented above `scenario`.

The schema validates a scenario before any tracker or network exists, and `scenario`
sits below `tracking` and `network` in the layers (docs/architecture.md): it cannot
import their registries. So the vocabulary lives here, as name -> one-line
description, and each owning package maps the same names to implementations:

============================  =====================================================
names here                    implementations
============================  =====================================================
`MOTION_MODELS`               `tracklayer.tracking.registry.MOTION_MODELS`
`FILTERS`                     `tracklayer.tracking.registry.FILTERS`
`ASSOCIATORS`                 `tracklayer.tracking.registry.ASSOCIATORS`
`FUSION_RULES`                `tracklayer.network.fusion.FUSION_RULES`
============================  =====================================================

`tests/test_registries.py` fails when a registry and its names here differ. Families
whose registry sits at or below `scenario` (sensor kinds: `tracklayer.sensors.kinds`)
are read directly; families the scenario does not choose from (run-folder writers:
`tracklayer.outputs.run.WRITERS`) have no entry here.

This module holds names and words only: no implementation, no import.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

MOTION_MODELS: Mapping[str, str] = MappingProxyType({
    "cv": "nearly-constant velocity: state [r, v], white acceleration noise",
    "ca": "nearly-constant acceleration: state [r, v, a], white jerk noise",
    "singer": "Singer manoeuvre model: Gauss-Markov acceleration",
    "ballistic": "unpowered flight: central + J2 gravity, optional drag with a 1/beta state",
    "glide": "gravity plus a Gauss-Markov aerodynamic (lift/drag) acceleration state, for HGVs",
})
"""Motion models of the tracker's ``motion`` and ``imm.models`` entries (``model:``)."""

FILTERS: Mapping[str, str] = MappingProxyType({
    "ekf": "extended Kalman filter, Joseph-form update",
    "ukf": "unscented Kalman filter with the tracker's `ukf` sigma-point parameters",
    "ckf": "cubature Kalman filter (the UKF with alpha=1, beta=0, kappa=0)",
})
"""Filters (predictor + updater) of the tracker's ``filter``."""

ASSOCIATORS: Mapping[str, str] = MappingProxyType({
    "gnn": "global nearest neighbour: the one-to-one assignment of largest total gain",
    "jpda": "joint probabilistic data association: marginal probabilities over joint events",
})
"""Measurement-to-track association of confirmed tracks (the tracker's ``association``)."""

FUSION_RULES: Mapping[str, str] = MappingProxyType({
    "ci": "covariance intersection, pairwise from the most precise, det-minimising weights",
    "fast_ci": "fast covariance intersection (Franken & Hupper 2005): closed-form weights",
    "information": "information-matrix fusion with common-information removal",
})
"""Track-to-track fusion rules of a network node (``fusion.method``)."""


def describe(names: Mapping[str, str]) -> str:
    """One line listing every name with its description (for field descriptions)."""
    return "; ".join(f"'{name}': {text}" for name, text in names.items())
