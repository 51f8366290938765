"""Compute engines. Hot loops have a numba kernel here and a NumPy reference in their
domain module with the same signature; tests compare the two.

The engine is chosen once, on first use: ``TRACKLAYER_ENGINE=numpy`` forces the NumPy
references; otherwise numba is used when it imports.
"""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def engine() -> str:
    """The active compute engine: ``"numba"`` or ``"numpy"``."""
    wanted = os.environ.get("TRACKLAYER_ENGINE", "numba").strip().lower()
    if wanted == "numpy":
        return "numpy"
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency
        return "numpy"
    return "numba"
