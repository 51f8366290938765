"""Replace an output folder as a whole: a reader, or the next run, sees either the
previous complete results or the new complete results, never a mix (docs/outputs.md).

`replacing` yields a fresh temporary sibling folder ``.<name>.new-<pid>-<hex>`` beside
``out_dir`` (so on the same filesystem); the caller writes every file into it. When the
block ends normally the folder is swapped in:

1. ``out_dir`` (if any) is renamed aside to ``.<name>.old-<pid>-<hex>``;
2. the new folder is renamed to ``out_dir``;
3. entries of the old folder that this kind of output does not own (a user's notes, the
   ``coverage/`` folder `tracklayer coverage` writes inside the default ``results/``)
   are moved into the new folder unchanged;
4. the old folder, now holding only the previous outputs, is deleted.

SIGINT and SIGTERM are held back during these four steps and delivered right after
them (the exception they raise is then marked, see `results_complete`). If the block
raises (an error, a full disk, Ctrl-C, SIGTERM), the temporary folder is deleted and
``out_dir`` is left exactly as it was.

Only a crash of the process or machine (SIGKILL, power loss) in the middle can leave
leftovers; `recover` (run by `replacing` first) repairs them: a ``.<name>.old-*``
folder whose process is gone is renamed back to ``out_dir`` if ``out_dir`` is missing
(the crash fell between steps 1 and 2: the previous results come back), or otherwise
has its foreign entries moved on and is deleted (the crash fell after step 2); a
``.<name>.new-*`` folder whose process is gone is an unfinished write and is deleted.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

_COMPLETE = "_tracklayer_results_complete"


def temp_name(out_dir: Path, kind: str, token: str) -> Path:
    """The sibling ``.<name>.<kind>-<token>`` of ``out_dir`` (kind: ``new`` or ``old``)."""
    return out_dir.parent / f".{out_dir.name}.{kind}-{token}"


def new_token() -> str:
    """``<pid>-<6 hex digits>``: the pid lets `recover` leave a live process's folders alone."""
    return f"{os.getpid()}-{secrets.token_hex(3)}"


def results_complete(exc: BaseException) -> bool:
    """True if ``exc`` (a KeyboardInterrupt from SIGINT/SIGTERM) was delivered only after
    `replacing` had swapped the new folder in, so ``out_dir`` holds the new results."""
    return bool(getattr(exc, _COMPLETE, False))


@contextmanager
def replacing(out_dir: str | Path, owned: Iterable[str] = ()) -> Iterator[Path]:
    """Yield an empty temporary folder; on success swap it in as ``out_dir``.

    Parameters
    ----------
    out_dir : the folder to create (with its parents) or replace; a symbolic link to a
        folder has its target replaced. Not the current folder or one containing it.
    owned : glob patterns of the names this kind of output writes; entries of a previous
        ``out_dir`` matching them (or named like an entry of the new folder) are dropped,
        every other entry is carried over into the new folder
    """
    out_dir = Path(os.path.abspath(out_dir))
    if out_dir.is_symlink():
        out_dir = out_dir.resolve()
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder", str(out_dir))
    if out_dir == Path.cwd() or out_dir in Path.cwd().parents:
        raise IsADirectoryError(errno.EISDIR, "is the current folder or contains it, so it cannot be replaced", str(out_dir))
    owned = tuple(owned)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir, owned)
    token = new_token()
    tmp = temp_name(out_dir, "new", token)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        with _signals_deferred():
            _swap(tmp, out_dir, temp_name(out_dir, "old", token), owned)
    except BaseException as exc:
        if not tmp.exists() and out_dir.exists():
            setattr(exc, _COMPLETE, True)
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(tmp: Path, out_dir: Path, old: Path, owned: tuple[str, ...]) -> None:
    if not os.path.lexists(out_dir):
        os.rename(tmp, out_dir)
        return
    os.rename(out_dir, old)
    try:
        os.rename(tmp, out_dir)
    except BaseException:
        os.rename(old, out_dir)
        raise
    _finish(old, out_dir, owned)


def _finish(old: Path, out_dir: Path, owned: tuple[str, ...]) -> None:
    """Move the entries of ``old`` that are not outputs into ``out_dir``, then delete ``old``."""
    for entry in os.listdir(old):
        if not _is_owned(entry, owned) and not os.path.lexists(out_dir / entry):
            os.rename(old / entry, out_dir / entry)
    shutil.rmtree(old, ignore_errors=True)


def _is_owned(name: str, owned: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in owned)


def recover(out_dir: str | Path, owned: Iterable[str] = ()) -> list[str]:
    """Repair what a crash in the middle of `replacing` left beside ``out_dir`` (see the
    module docstring); folders of a process still running are left alone. Returns one
    line per repair, for the caller to report if it likes."""
    out_dir = Path(os.path.abspath(out_dir))
    parent, prefix = out_dir.parent, f".{out_dir.name}."
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    done = []
    leftovers = []
    for name in names:
        kind, _, token = name[len(prefix):].partition("-")
        if not name.startswith(prefix) or kind not in ("new", "old") or _alive(token):
            continue
        leftovers.append((os.path.getmtime(parent / name), kind, parent / name))
    for _, kind, path in sorted(leftovers, reverse=True):  # the newest first
        if kind == "new":
            shutil.rmtree(path, ignore_errors=True)
            done.append(f"removed the unfinished {path.name}")
        elif not os.path.lexists(out_dir):
            os.rename(path, out_dir)
            done.append(f"restored the previous results from {path.name}")
        else:
            _finish(path, out_dir, tuple(owned))
            done.append(f"removed the replaced results {path.name}")
    return done


def _alive(token: str) -> bool:
    pid = token.partition("-")[0]
    if not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False  # this process is not inside `replacing` for this folder (it calls `recover` first)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (their Python handlers record them) and deliver the
    first one to the previous handler at the end. Outside the main thread, where handlers
    cannot be changed, this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    kinds = (signal.SIGINT, signal.SIGTERM)
    saved = {}
    try:
        for kind in kinds:
            saved[kind] = signal.signal(kind, lambda signum, frame: pending.append(signum))
        yield
    finally:
        for kind, handler in saved.items():
            signal.signal(kind, handler)
        if pending:
            _deliver(pending[0], saved[signal.Signals(pending[0])])


def _deliver(signum: int, handler) -> None:
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        signal.raise_signal(signum)
