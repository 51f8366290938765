"""Contract tests over every run-folder writer (`tracklayer.outputs.run.WRITERS`):
each writes the files it returns, inside the patterns it owns, and they read back."""

from __future__ import annotations

import fnmatch
import json

import pytest

from tracklayer import api
from tracklayer.io.tables import read_parquet
from tracklayer.outputs.run import OWNED, WRITERS, write_run
from tracklayer.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def short_run():
    """The smoke scenario cut to its first 120 s: a real result, quickly."""
    return api.run(load_scenario("smoke").model_copy(update={"duration_s": 120.0}))


def _read_back(result, key, path):
    """The file parsed by the reader of its format (a table: as many rows as the result's)."""
    if path.suffix == ".parquet":
        return read_parquet(path).num_rows == getattr(result, key).num_rows
    if path.suffix in (".json", ".czml"):
        return json.loads(path.read_text(encoding="utf-8")) is not None
    if path.suffix == ".html":
        text = path.read_text(encoding="utf-8")
        return text.lstrip().lower().startswith("<!doctype html") and text.rstrip().lower().endswith("</html>")
    raise AssertionError(f"no reader for {path.name}")


@pytest.mark.parametrize("name", list(WRITERS))
def test_writer_writes_files_that_read_back(short_run, tmp_path, name):
    writer = WRITERS[name]
    written = writer.write(short_run, tmp_path, {}, None)
    assert written, f"{name} wrote nothing"
    for key, path in written.items():
        assert path.parent == tmp_path and path.is_file() and path.stat().st_size > 0, key
        assert any(fnmatch.fnmatch(path.name, pattern) for pattern in writer.owns), path.name
        assert _read_back(short_run, key, path), path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written.values())


def test_write_run_runs_every_writer_and_owns_what_it_writes(short_run, tmp_path):
    steps: list[str] = []
    written = write_run(short_run, tmp_path, steps.append)
    names = [p.name for p in tmp_path.iterdir()]
    assert all(any(fnmatch.fnmatch(n, pattern) for pattern in OWNED) for n in names)
    info = json.loads((tmp_path / "run.json").read_text())
    assert set(info["files"]) == set(written) - {"run"}
    assert steps[-2:] == ["scene.czml", "report.html"]
