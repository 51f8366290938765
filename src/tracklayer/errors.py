"""tracklayer's exceptions: one base class, so a caller (the CLI) can catch them all.

Every error carries ``lines``, one self-contained message per problem (each names
the file and field where there is one), and ``exit_code``, the process exit status
the CLI returns for it (2: bad input). Errors of a package's own input are defined
in that package and derive from `TracklayerError`; `ScenarioError` lives here
because every layer above the core types reports bad scenario input with it.
This module imports nothing else from tracklayer.
"""

from __future__ import annotations

__all__ = ["TracklayerError", "ScenarioError"]


class TracklayerError(Exception):
    """Base of every error tracklayer raises on purpose; ``lines`` holds one
    self-contained message per problem, ``exit_code`` the CLI's exit status."""

    exit_code: int = 2

    def __init__(self, lines: list[str] | str):
        lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(lines))
        self.lines = lines


class ScenarioError(TracklayerError, ValueError):
    """Invalid scenario input; ``lines`` holds one self-contained message per problem."""
