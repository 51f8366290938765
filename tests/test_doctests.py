"""The examples in docstrings run: every module of tracklayer with a ``>>>`` line."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import tracklayer

ROOT = Path(tracklayer.__file__).parent
MODULES = sorted(
    "tracklayer." + ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in ROOT.rglob("*.py")
    if ">>>" in p.read_text(encoding="utf-8")
)


def test_modules_with_examples_are_found() -> None:
    assert "tracklayer.palette" in MODULES and "tracklayer.earth.frames" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see the output above)"
