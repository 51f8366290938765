"""The command line's own surface: --version, `python -m tracklayer`."""

from __future__ import annotations

import importlib.metadata as md
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import tracklayer
from tracklayer.cli import app

SRC = str(Path(tracklayer.__file__).parents[1])


def _expected_version() -> str:
    try:
        return md.version("tracklayer")
    except md.PackageNotFoundError:
        return tracklayer.__version__


def test_version_option_prints_the_installed_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"tracklayer {_expected_version()}"


def test_python_dash_m_runs_the_command():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    version = subprocess.run([sys.executable, "-m", "tracklayer", "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == f"tracklayer {_expected_version()}"
    bad = subprocess.run([sys.executable, "-m", "tracklayer", "validate", "no-such-scenario"], capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "no-such-scenario" in bad.stderr
    usage = subprocess.run([sys.executable, "-m", "tracklayer", "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert usage.returncode == 0 and "python -m tracklayer" in usage.stdout
