"""Fixtures for the interchange tests: one short smoke run and one short coverage analysis
written to disk, shared by the package's tests."""

from __future__ import annotations

import pytest

from tracklayer import api
from tracklayer.scenario.loader import load_scenario


@pytest.fixture(scope="package")
def run_folder(tmp_path_factory):
    """(RunResult, folder) of the smoke scenario cut to its first 300 s (both threats
    launched, tracks confirmed, impact predictions made), tables and scene written."""
    scn = load_scenario("smoke")
    result = api.run(scn.model_copy(update={"duration_s": 300.0}))
    folder = tmp_path_factory.mktemp("run")
    api.write_outputs(result, folder, report=False)
    return result, folder


@pytest.fixture(scope="package")
def coverage_folder(tmp_path_factory):
    """A coverage folder of the smoke scenario over 10 minutes, on a part of its grid that
    reaches 180 deg E."""
    scn = load_scenario("smoke")
    box = {"lon_min_deg": 170.0, "lon_max_deg": 180.0, "lat_min_deg": 0.0, "lat_max_deg": 20.0}
    scn = scn.model_copy(update={"coverage": scn.coverage.model_copy(update=box)})
    result = api.coverage(scn, hours=10 / 60, step_s=120.0)
    folder = tmp_path_factory.mktemp("coverage")
    api.write_coverage(result, scn, folder)
    return folder
