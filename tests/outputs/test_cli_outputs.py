"""`tracklayer run` and `tracklayer coverage` writing --out: checked before the physics,
replaced whole, and left as it was by Ctrl-C, SIGTERM or a full disk (one line each,
no traceback, no temporary folder left)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tracklayer import api
from tracklayer.cli import app
from tracklayer.io.tables import read_parquet
from tracklayer.outputs import run as run_outputs
from tracklayer.scenario.loader import load_scenario

SRC = str(Path(api.__file__).resolve().parents[1])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def siblings(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder.parent) if name != folder.name)


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def short_run():
    """The smoke scenario cut to its first 240 s (both threats launched): a real result, quickly."""
    scn = load_scenario("smoke")
    return api.run(scn.model_copy(update={"duration_s": 240.0}))


@pytest.fixture
def previous(tmp_path) -> Path:
    """--out holding a previous run (with a links table) and a file of the user's."""
    out = tmp_path / "results"
    out.mkdir()
    for name in ("truth.parquet", "links.parquet", "report.html", "run.json"):
        (out / name).write_bytes(f"previous {name}".encode())
    (out / "notes.txt").write_text("keep me")
    return out


@pytest.fixture
def no_physics(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the physics started")

    monkeypatch.setattr(api, "run", refuse)
    monkeypatch.setattr(api, "coverage", refuse)


@pytest.mark.parametrize("command", ["run", "coverage"])
def test_out_under_a_file_exits_2_before_computing(tmp_path, no_physics, command):
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "results"
    result = CliRunner().invoke(app, [command, "smoke", "--out", str(out), "--quiet"])
    assert result.exit_code == 2, result.output
    assert error_lines(result.output) == [f"error: --out {out}: {tmp_path / 'file'} is a file, not a folder"]


@pytest.mark.parametrize("command", ["run", "coverage"])
def test_read_only_parent_exits_2_before_computing(tmp_path, no_physics, read_only_probe, command):
    out = tmp_path / "results"
    result = CliRunner().invoke(app, [command, "smoke", "--out", str(out), "--quiet"])
    assert result.exit_code == 2, result.output
    assert error_lines(result.output) == [f"error: --out {out}: folder {tmp_path} is not writable (Read-only file system)"]


def test_full_disk_before_computing_exits_2(tmp_path, no_physics, monkeypatch):
    import shutil
    from collections import namedtuple

    monkeypatch.setattr(shutil, "disk_usage", lambda path: namedtuple("u", "total used free")(1, 1, 1000))
    result = CliRunner().invoke(app, ["run", "smoke", "--out", str(tmp_path / "results"), "--quiet"])
    assert result.exit_code == 2 and len(error_lines(result.output)) == 1
    assert "free on its filesystem; the results need about" in result.output


def test_reusing_out_replaces_previous_run_and_drops_stale_files(previous, short_run, monkeypatch):
    monkeypatch.setattr(api, "run", lambda *a, **k: short_run)
    result = CliRunner().invoke(app, ["run", "smoke", "--out", str(previous), "--quiet"])
    assert result.exit_code == 0, result.output
    expected = {f"{name}.parquet" for name in run_outputs.TABLES if name != "handover"} | {"scene.czml", "report.html", "run.json", "notes.txt"}
    assert {p.name for p in previous.iterdir()} == expected  # no links.parquet, no handover.parquet: no network, no track-cued sensors
    assert (previous / "notes.txt").read_text() == "keep me" and siblings(previous) == []
    tracks = read_parquet(previous / "tracks.parquet")
    for column in ("t_s", "track_id", "x", "P"):
        np.testing.assert_array_equal(tracks[column], short_run.tracks[column])


def test_interrupt_swallowed_by_a_finalizer_is_still_honoured(previous, short_run):
    """A signal that arrives while a library's clean-up handler (a finalizer) runs raises
    KeyboardInterrupt there, which Python only reports and swallows: the run must still
    stop before writing, leave the previous results untouched and print no traceback."""
    import gc

    class Finalizer:
        def __del__(self):
            raise KeyboardInterrupt  # what the signal handler raises, inside a finalizer

    def run_with_a_swallowed_interrupt(*args, **kwargs):
        Finalizer()  # dropped at once: its __del__ runs here and Python swallows the interrupt
        gc.collect()
        return short_run

    before = snapshot(previous)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(api, "run", run_with_a_swallowed_interrupt)
        result = CliRunner().invoke(app, ["run", "smoke", "--out", str(previous), "--quiet"])
    assert result.exit_code == 130, result.output
    assert error_lines(result.output) == [f"error: interrupted (Ctrl-C); the previous results in {previous}/ are untouched"]
    assert snapshot(previous) == before and siblings(previous) == []


@pytest.mark.parametrize("failure, code, message", [
    (OSError(errno.ENOSPC, "No space left on device"), 1, "cannot write the results: No space left on device"),
    (KeyboardInterrupt(), 130, "interrupted (Ctrl-C)"),
], ids=["enospc", "ctrl-c"])
def test_failure_while_writing_leaves_previous_run_untouched(previous, short_run, monkeypatch, failure, code, message):
    """The real writer fails at its third file (a full disk, or Ctrl-C)."""
    monkeypatch.setattr(api, "run", lambda *a, **k: short_run)
    calls = []
    real_write = run_outputs.write_parquet

    def write_parquet(table, path, meta=None):
        calls.append(path)
        if len(calls) == 3:
            raise failure
        real_write(table, path, meta)

    monkeypatch.setattr(run_outputs, "write_parquet", write_parquet)
    before = snapshot(previous)
    result = CliRunner().invoke(app, ["run", "smoke", "--out", str(previous), "--quiet"])
    assert result.exit_code == code, result.output
    assert error_lines(result.output) == [f"error: --out {previous}: {message}; the previous results in {previous}/ are untouched"
                                          if code == 1 else f"error: {message}; the previous results in {previous}/ are untouched"]
    assert snapshot(previous) == before and siblings(previous) == []


def test_coverage_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    from tracklayer.outputs import coverage as coverage_outputs

    scn = load_scenario("smoke")
    monkeypatch.setattr(coverage_outputs, "_write_bytes", lambda path, data: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    out = tmp_path / "cov"
    result = CliRunner().invoke(app, ["coverage", "smoke", "--out", str(out), "--hours", "0.1", "--step", "600", "--quiet"])
    assert result.exit_code == 1, result.output
    assert error_lines(result.output) == [f"error: --out {out}: cannot write the results: No space left on device; nothing was written to {out}/"]
    assert os.listdir(tmp_path) == [] and scn.coverage.targets


# A real `tracklayer run smoke` in a subprocess, signalled while it computes or writes. The
# wrapper only drops a marker file when the stage of interest starts (and, for writing,
# slows each table down so that the signal lands among the files).
WRAPPER = """
import sys, time
from pathlib import Path
marker = Path(sys.argv[1]); phase = sys.argv[2]
import tracklayer.pipeline as pipeline, tracklayer.outputs.run as outputs
if phase == "computing":
    real = pipeline.run_pipeline
    def run_pipeline(*a, **k):
        marker.touch()
        return real(*a, **k)
    pipeline.run_pipeline = run_pipeline
else:
    real = outputs.write_parquet
    def write_parquet(*a, **k):
        real(*a, **k)
        marker.touch()
        time.sleep(1.0)
    outputs.write_parquet = write_parquet
from tracklayer.cli import main
sys.argv = ["tracklayer", "run", "smoke", "--out", sys.argv[3], "--quiet"]
main()
"""


def _signalled_run(previous: Path, phase: str, signum: int) -> subprocess.CompletedProcess:
    marker = previous.parent / "marker"
    proc = subprocess.Popen([sys.executable, "-c", WRAPPER, str(marker), phase, str(previous)],
                            env={**os.environ, "PYTHONPATH": SRC}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    marker.unlink()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize("phase", ["computing", pytest.param("writing", marks=pytest.mark.slow)])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_run_leaves_previous_folder_byte_identical(previous, phase, signum):
    before = snapshot(previous)
    done = _signalled_run(previous, phase, signum)
    name = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
    assert done.returncode == 128 + signum, done.stderr
    assert error_lines(done.stderr) == [f"error: interrupted ({name}); the previous results in {previous}/ are untouched"]
    assert snapshot(previous) == before and siblings(previous) == []
