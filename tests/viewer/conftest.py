"""Fixtures for the viewer tests: one smoke run written to disk, shared by the module's tests."""

from __future__ import annotations

import pytest

from tracklayer import api


@pytest.fixture(scope="package")
def smoke_run(tmp_path_factory):
    """(RunResult, folder) of the built-in smoke scenario with every output written."""
    result = api.run("smoke")
    folder = tmp_path_factory.mktemp("smoke-run")
    api.write_outputs(result, folder)
    return result, folder
