"""Fixtures for the viewer tests: one smoke run written to disk, shared by the module's tests, and a stand-in CesiumJS."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracklayer import api


@pytest.fixture(scope="package")
def smoke_run(tmp_path_factory):
    """(RunResult, folder) of the built-in smoke scenario with every output written."""
    result = api.run("smoke")
    folder = tmp_path_factory.mktemp("smoke-run")
    api.write_outputs(result, folder)
    return result, folder


NETWORKED = Path(__file__).with_name("networked.yaml")


@pytest.fixture(scope="package")
def networked_run(tmp_path_factory):
    """(RunResult, folder) of a small networked scenario (national nodes, a joint node, a picture
    fed back, one radar's raw measurements released to a partner), outputs written without the report."""
    result = api.run(NETWORKED)
    folder = tmp_path_factory.mktemp("networked-run")
    api.write_outputs(result, folder, report=False)
    return result, folder


@pytest.fixture
def fake_cesium(tmp_path):
    """A stand-in for CesiumJS's Build/Cesium (the server only needs the files to exist)."""
    root = tmp_path / "Build" / "Cesium"
    for rel in ("Cesium.js", "Widgets/widgets.css", "Assets/Textures/NaturalEarthII/tilemapresource.xml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"/* {rel} */")
    return root
