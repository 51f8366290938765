"""Checks of an output folder made before any computation: can the folder be created
and replaced there, is its name short enough, is there room for the results
(docs/outputs.md, "Before the run")."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from tracklayer.errors import TracklayerError
from tracklayer.outputs.atomic import new_token, temp_name

LONGEST_FILE = 48
"""Bytes reserved for a file name inside the folder (``coverage_<target>.png`` with a
40-character target name is the longest)."""


class OutputFolderError(TracklayerError):
    """The output folder cannot be used; ``lines`` holds one line naming the path and the problem."""

    def __init__(self, line: str):
        super().__init__(line)
        self.lines = [line]


def check_out_dir(out_dir: str | Path, need_bytes: int, option: str = "--out") -> None:
    """Raise `OutputFolderError` unless ``out_dir`` can be written and swapped in whole.

    Checks, in order: the names in the path, the name of the temporary sibling folder
    and the longest path inside it fit the filesystem's ``NAME_MAX``/``PATH_MAX``;
    ``out_dir`` is a folder or absent and is not the current folder (or one containing
    it) nor a mount point; its parent exists or can be created; a probe folder (named like the temporary folder, with a
    file of the longest name in it) can be created and removed in the parent; the
    parent's filesystem has ``need_bytes`` free. The parent folders created on the way
    are kept (as `tracklayer run --out a/b/c` always did).
    """
    label = f"{option} {out_dir}"
    path = Path(os.path.abspath(out_dir))
    _check_lengths(label, path, temp_name(path, "new", "4194304-ffffff"))  # the longest token (pid_max is at most 2**22)
    if path.is_symlink():
        path = path.resolve()
    if os.path.lexists(path) and not path.is_dir():
        raise OutputFolderError(f"{label}: exists and is not a folder")
    if path == Path.cwd() or path in Path.cwd().parents:
        raise OutputFolderError(f"{label}: is the current folder or contains it; the output folder is replaced whole, so give a folder of its own")
    if os.path.ismount(path):
        raise OutputFolderError(f"{label}: is a mount point; the output folder is replaced whole, so give a folder inside it")
    probe = temp_name(path, "new", new_token())
    anchor = _nearest_existing(path.parent)
    if not anchor.is_dir():
        raise OutputFolderError(f"{label}: {anchor} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(f"{label}: cannot create folder {path.parent} ({exc.strerror})") from None
    try:
        probe.mkdir()
        try:
            (probe / ("x" * LONGEST_FILE)).write_bytes(b"")
        finally:
            shutil.rmtree(probe, ignore_errors=True)
    except OSError as exc:
        problem = "the path is too long" if exc.errno == errno.ENAMETOOLONG else "is not writable"
        raise OutputFolderError(f"{label}: folder {path.parent} {problem} ({exc.strerror})") from None
    free = shutil.disk_usage(path.parent).free
    if free < need_bytes:
        raise OutputFolderError(f"{label}: {_mib(free)} free on its filesystem; the results need about {_mib(need_bytes)}")


def _check_lengths(label: str, path: Path, probe: Path) -> None:
    anchor = _nearest_existing(path)
    try:
        name_max = os.pathconf(anchor, "PC_NAME_MAX")
        path_max = os.pathconf(anchor, "PC_PATH_MAX")
    except (OSError, ValueError):  # no pathconf here: the probe will tell
        return
    for part in path.parts[1:]:
        if len(os.fsencode(part)) > name_max:
            raise OutputFolderError(f"{label}: the name '{part[:40]}...' is {len(os.fsencode(part))} bytes; at most {name_max} are allowed")
    if len(os.fsencode(probe.name)) > name_max:
        extra = len(os.fsencode(probe.name)) - len(os.fsencode(path.name))
        raise OutputFolderError(f"{label}: the folder name is {len(os.fsencode(path.name))} bytes long; at most {name_max - extra} are allowed "
                                f"(the temporary folder beside it adds {extra} to the {name_max}-byte limit)")
    longest = len(os.fsencode(str(probe))) + 1 + LONGEST_FILE
    if longest >= path_max:
        raise OutputFolderError(f"{label}: the path is too long: files in it would have {longest} bytes, at most {path_max - 1} are allowed")


def _nearest_existing(path: Path) -> Path:
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def _mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


RUN_BYTES_PER_STEP_THREAT = 4096
"""Estimated output bytes per time step and threat of a run: the smoke scenario writes
about 800 (1.4 MB for 900 steps x 2 threats), so this leaves room for more sensors and
nodes. Plus `FIXED_BYTES` for the report, the scene and the small tables."""

FIXED_BYTES = 4 * 2**20


def run_bytes(scenario) -> int:
    """Generous estimate of the size of a run's output folder."""
    steps = int(scenario.duration_s / scenario.step_s) + 1
    return FIXED_BYTES + RUN_BYTES_PER_STEP_THREAT * steps * max(1, len(scenario.threats))


def coverage_bytes(scenario, duration_s: float | None = None, step_s: float | None = None) -> int:
    """Generous estimate of the size of a coverage output folder: 256 bytes per grid
    point and target (coverage.parquet), 128 per time step and target
    (coverage_series.parquet), 3 MiB per target for its map (PNG, and again base64 in
    coverage.html)."""
    cov = scenario.coverage
    steps = int((cov.duration_s if duration_s is None else duration_s) / (cov.step_s if step_s is None else step_s)) + 1
    points = (int((cov.lon_max_deg - cov.lon_min_deg) / cov.resolution_deg) + 1) * (int((cov.lat_max_deg - cov.lat_min_deg) / cov.resolution_deg) + 1)
    targets = len(cov.targets)
    return FIXED_BYTES + targets * (256 * points + 128 * steps + 3 * 2**20)
