"""Run the real command line in a subprocess, as a user would (exit code, stdout, stderr)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, columns: int = 120) -> subprocess.CompletedProcess[str]:
    """``reopen-sim ARGS`` with a fixed terminal width and a minimal environment."""
    return subprocess.run(
        [sys.executable, "-m", "reopen_sim.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"COLUMNS": str(columns), "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
    )
