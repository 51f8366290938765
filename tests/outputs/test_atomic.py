"""Whole-folder replacement of output folders: an interrupted or failed write leaves the
previous folder byte for byte, no temporary folder stays behind, stale outputs go,
foreign entries stay, and the leftovers of a crash are repaired by the next write."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tracklayer.outputs import atomic
from tracklayer.outputs.atomic import recover, replacing, results_complete

OWNED = ("*.parquet", "run.json", "report.html")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def siblings(folder: Path) -> list[str]:
    """Entries beside ``folder`` other than itself (temporary or aside folders)."""
    return sorted(name for name in os.listdir(folder.parent) if name != folder.name)


@pytest.fixture
def previous(tmp_path) -> Path:
    """A folder holding a previous run's outputs and a foreign notes file and sub-folder."""
    out = tmp_path / "work" / "results"
    out.mkdir(parents=True)
    (out / "truth.parquet").write_bytes(b"old truth")
    (out / "links.parquet").write_bytes(b"old links")
    (out / "run.json").write_text('{"old": true}')
    (out / "report.html").write_text("<p>old</p>")
    (out / "notes.txt").write_text("mine")
    (out / "coverage").mkdir()
    (out / "coverage" / "coverage.json").write_text("{}")
    return out


def write_files(folder: Path, names=("truth.parquet", "run.json", "report.html"), fail_after: int | None = None, exc=None):
    for k, name in enumerate(names):
        if fail_after is not None and k == fail_after:
            raise exc
        (folder / name).write_text(f"new {name}")


def test_new_folder_is_created_whole_and_nothing_is_left_beside_it(tmp_path):
    out = tmp_path / "a" / "b" / "run"
    with replacing(out, OWNED) as tmp:
        assert tmp.parent == out.parent and tmp.name.startswith(".run.new-") and not out.exists()
        write_files(tmp)
    assert snapshot(out) == {n: f"new {n}".encode() for n in ("truth.parquet", "run.json", "report.html")}
    assert siblings(out) == []


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), RuntimeError("boom"), OSError(errno.ENOSPC, "No space left on device")],
                         ids=["ctrl-c", "error", "enospc"])
def test_interrupted_write_leaves_previous_folder_byte_identical(previous, exc):
    before = snapshot(previous)
    mtime = previous.stat().st_mtime_ns
    with pytest.raises(type(exc)):
        with replacing(previous, OWNED) as tmp:
            write_files(tmp, fail_after=2, exc=exc)
    assert snapshot(previous) == before and previous.stat().st_mtime_ns == mtime
    assert siblings(previous) == []
    assert not results_complete(exc)


def test_replacing_drops_stale_outputs_and_keeps_foreign_entries(previous):
    with replacing(previous, OWNED) as tmp:
        write_files(tmp)
    files = snapshot(previous)
    assert "links.parquet" not in files  # stale: the new run wrote no links
    assert files["truth.parquet"] == b"new truth.parquet" and files["run.json"] == b"new run.json"
    assert files["notes.txt"] == b"mine" and files["coverage/coverage.json"] == b"{}"
    assert siblings(previous) == []


def test_refuses_a_file_and_the_current_folder(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(NotADirectoryError):
        with replacing(blocker):
            pass
    assert blocker.read_text() == "x"
    monkeypatch.chdir(tmp_path)
    for folder in (tmp_path, tmp_path.parent):
        with pytest.raises(IsADirectoryError):
            with replacing(folder):
                pass


def test_symlink_to_a_folder_has_its_target_replaced(previous, tmp_path):
    link = tmp_path / "latest"
    link.symlink_to(previous)
    with replacing(link, OWNED) as tmp:
        write_files(tmp)
    assert link.is_symlink() and (previous / "truth.parquet").read_bytes() == b"new truth.parquet"


def test_signal_during_the_swap_is_delivered_after_it(previous, monkeypatch):
    """SIGTERM arriving between the two renames is held back: the swap completes, then
    the handler's KeyboardInterrupt surfaces, marked as coming after the results were complete."""
    real_rename = os.rename
    calls = []

    def rename(src, dst):
        calls.append(Path(dst).name)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # in the middle of the swap
        real_rename(src, dst)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "rename", rename)
    previous_handler = signal.signal(signal.SIGTERM, on_term)
    try:
        with pytest.raises(KeyboardInterrupt) as info:
            with replacing(previous, OWNED) as tmp:
                write_files(tmp)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    assert results_complete(info.value)
    assert calls[:2] == [calls[0], "results"] and calls[0].startswith(".results.old-")
    assert (previous / "truth.parquet").read_bytes() == b"new truth.parquet" and (previous / "notes.txt").exists()
    assert siblings(previous) == []


def test_failed_second_rename_puts_the_previous_folder_back(previous, monkeypatch):
    before = snapshot(previous)
    real_rename = os.rename

    def rename(src, dst):
        if Path(src).name.startswith(".results.new-"):
            raise OSError(errno.EIO, "Input/output error")
        real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", rename)
    with pytest.raises(OSError):
        with replacing(previous, OWNED) as tmp:
            write_files(tmp)
    assert snapshot(previous) == before and siblings(previous) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_recover_restores_previous_results_after_a_crash_between_the_renames(previous):
    """A crash after the first rename leaves only ``.results.old-*``: it comes back."""
    before = snapshot(previous)
    aside = atomic.temp_name(previous, "old", f"{_dead_pid()}-abcdef")
    os.rename(previous, aside)
    unfinished = atomic.temp_name(previous, "new", f"{_dead_pid()}-123456")
    unfinished.mkdir()
    (unfinished / "truth.parquet").write_bytes(b"half")
    assert len(recover(previous, OWNED)) == 2
    assert snapshot(previous) == before and siblings(previous) == []


def test_recover_finishes_a_swap_that_crashed_after_the_second_rename(previous):
    aside = atomic.temp_name(previous, "old", f"{_dead_pid()}-abcdef")
    os.rename(previous, aside)
    previous.mkdir()
    (previous / "truth.parquet").write_bytes(b"new")
    with replacing(previous, OWNED) as tmp:  # the next write repairs first
        (tmp / "truth.parquet").write_bytes(b"newer")
    files = snapshot(previous)
    assert files == {"truth.parquet": b"newer", "notes.txt": b"mine", "coverage/coverage.json": b"{}"}
    assert siblings(previous) == []


def test_recover_leaves_a_running_process_alone(previous):
    live = atomic.temp_name(previous, "new", f"{os.getppid()}-abcdef")
    live.mkdir()
    assert recover(previous, OWNED) == [] and live.is_dir()
