"""Run the real command line as a user would (exit code, stdout, stderr), on the tree under test.

``run_cli`` starts a subprocess with ``PYTHONPATH`` set to this checkout's ``src`` so that the package
imported is the one being tested, not whatever version is installed. ``in_process`` runs
``reopen_sim.cli.main`` in this process (faster; exit-code mapping included).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def cli_env(columns: int = 120, lang: str | None = None) -> dict[str, str]:
    """A minimal environment: fixed width, UTF-8 output, this tree's package first on the path."""
    env = {
        "COLUMNS": str(columns),
        "PATH": "/usr/bin:/bin",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONPATH": str(SRC),
    }
    if lang is not None:
        env["LANG"] = lang
    return env


def run_cli(*args: str, columns: int = 120, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``reopen-sim ARGS`` in a subprocess, importing the package from this checkout."""
    return subprocess.run(
        [sys.executable, "-m", "reopen_sim.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=cli_env(columns),
    )


def run_cli_env(args: list[str], lang: str, columns: int = 120) -> subprocess.CompletedProcess[str]:
    """``reopen-sim ARGS`` in a subprocess whose locale is ``LANG=lang`` (e.g. ``zh_CN.UTF-8``)."""
    return subprocess.run(
        [sys.executable, "-m", "reopen_sim.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=cli_env(columns, lang=lang),
    )


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    """``reopen-sim ARGS`` through ``reopen_sim.cli.main`` in this process."""
    from reopen_sim.cli import main

    monkeypatch.setattr(sys, "argv", ["reopen-sim", *args])
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0) if not isinstance(e.code, str) else 1
    out = capsys.readouterr()
    return Ran(code, out.out, out.err)
