"""Fixtures shared by the output-folder tests."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest


@pytest.fixture
def read_only_probe(monkeypatch):
    """Creating a temporary output folder (``.<name>.new-*``) fails as on a read-only
    filesystem. Tests run as root, which ignores permission bits, so the refusal of the
    filesystem is simulated at that mkdir."""
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self.name.startswith(".") and ".new-" in self.name:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
