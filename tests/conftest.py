"""Shared test configuration: a hypothesis profile and the scenario epoch used in tests.

Hypothesis runs without deadlines (numba compiles lazily on first call) and with a
modest number of examples so that the whole suite stays fast on two cores.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "tracklayer", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("tracklayer")


@pytest.fixture
def epoch() -> dt.datetime:
    """A fixed scenario epoch (UTC) inside Skyfield's built-in UT1 table."""
    return dt.datetime(2024, 4, 10, 0, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, fresh for every test."""
    return np.random.default_rng(20240410)


@pytest.fixture(params=["numba", "numpy"])
def engine_name(request, monkeypatch):
    """Run a test with each compute engine (the kernels dispatch on `kernels.engine()`)."""
    from tracklayer.kernels import engine

    monkeypatch.setenv("TRACKLAYER_ENGINE", request.param)
    engine.cache_clear()
    yield request.param
    engine.cache_clear()
