"""Checks of --out before any computation, and the output size estimates they use."""

from __future__ import annotations

import os
import shutil
from collections import namedtuple
from pathlib import Path

import pytest

from tracklayer.outputs import preflight
from tracklayer.outputs.preflight import OutputFolderError, check_out_dir, coverage_bytes, run_bytes
from tracklayer.scenario.loader import load_scenario


def problem(out, need=0) -> str:
    with pytest.raises(OutputFolderError) as info:
        check_out_dir(out, need)
    assert len(info.value.lines) == 1 and info.value.lines[0].startswith(f"--out {out}: ")
    return info.value.lines[0]


def test_a_usable_folder_passes_and_leaves_no_probe(tmp_path):
    check_out_dir(tmp_path / "new" / "run", 1)
    assert (tmp_path / "new").is_dir() and os.listdir(tmp_path / "new") == []
    (tmp_path / "new" / "run").mkdir()
    check_out_dir(tmp_path / "new" / "run", 1)
    assert os.listdir(tmp_path / "new") == ["run"]


def test_path_under_a_regular_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    assert problem(tmp_path / "file" / "sub" / "run").endswith(f"{tmp_path / 'file'} is a file, not a folder")
    assert problem(tmp_path / "file").endswith("exists and is not a folder")


def test_unwritable_parent_is_refused(tmp_path, read_only_probe):
    line = problem(tmp_path / "run")
    assert line.endswith(f"folder {tmp_path} is not writable (Read-only file system)")


def test_a_real_unwritable_folder_is_refused():
    """/sys refuses new entries even to root, where it is mounted (skipped elsewhere)."""
    try:
        os.mkdir("/sys/tracklayer-probe")
    except PermissionError:
        pass
    except OSError:
        pytest.skip("no /sys here")
    else:
        os.rmdir("/sys/tracklayer-probe")
        pytest.skip("/sys is writable here")
    assert "/sys is not writable" in problem(Path("/sys/tracklayer-out"))


def test_names_and_paths_too_long_are_refused(tmp_path):
    name_max = os.pathconf(tmp_path, "PC_NAME_MAX")
    assert "at most 255 are allowed" in problem(tmp_path / ("x" * (name_max + 1)) / "run") or name_max != 255
    line = problem(tmp_path / ("r" * (name_max - 5)))
    assert "the folder name is" in line and "temporary folder beside it" in line
    deep = tmp_path
    while len(os.fsencode(str(deep))) < os.pathconf(tmp_path, "PC_PATH_MAX") - 100:
        deep = deep / ("d" * 200)
    assert "the path is too long" in problem(deep / "run")
    assert not (tmp_path / ("d" * 200)).exists()  # refused before creating anything


def test_not_enough_free_space_is_refused(tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10 * 2**20, 9 * 2**20, 2**20))
    line = problem(tmp_path / "run", need=run_bytes(load_scenario("smoke")))
    assert "1.0 MiB free on its filesystem; the results need about" in line
    check_out_dir(tmp_path / "run", 2**19)


def test_current_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "is the current folder or contains it" in problem(Path("."))
    assert "is the current folder or contains it" in problem(tmp_path.parent)


def test_estimates_grow_with_the_scenario_and_cover_the_smoke_run():
    smoke = load_scenario("smoke")
    longer = smoke.model_copy(update={"duration_s": 2 * smoke.duration_s})
    assert run_bytes(longer) > run_bytes(smoke) > 1.4e6  # the smoke run writes about 1.4 MB
    assert coverage_bytes(smoke, step_s=10.0) > coverage_bytes(smoke, step_s=60.0)
    assert coverage_bytes(smoke, duration_s=3600.0) < coverage_bytes(smoke)
    assert preflight.FIXED_BYTES < run_bytes(smoke)
