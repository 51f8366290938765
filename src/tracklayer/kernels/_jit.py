"""The one place numba options are decided."""

from __future__ import annotations

import numba

jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
"""Decorator for tracklayer kernels: compiled lazily on first call, cached on disk."""
