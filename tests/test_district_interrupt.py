"""Ctrl-C (SIGINT) during ``simulate`` and ``run``: exit 130, no output folder, no temporary folder.

The process runs as a user's would, with its progress bar drawn (``TTY_COMPATIBLE=1`` makes rich
draw it on a pipe); SIGINT is sent once the bar has appeared, i.e. in the middle of the work.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "junior-middle.yaml"


def _env() -> dict[str, str]:
    return {
        "MPLBACKEND": "Agg",
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "120",
        "PYTHONIOENCODING": "utf-8",
        "TTY_COMPATIBLE": "1",
        "TTY_INTERACTIVE": "1",
    }


def _interrupt_when(args: list[str], marker: bytes, cwd: Path) -> tuple[int, str]:
    """Start ``reopen-sim ARGS``, send SIGINT once ``marker`` shows on stdout; (exit code, stderr)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "reopen_sim.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=_env(),
        start_new_session=True,
    )
    seen = threading.Event()
    out = bytearray()

    def read() -> None:
        assert proc.stdout is not None
        while chunk := proc.stdout.read1(4096):
            out.extend(chunk)
            if marker in out:
                seen.set()
        seen.set()  # ended without the marker: the assertion below says so

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert seen.wait(timeout=300), "no progress shown"
        assert proc.poll() is None, "finished before it could be interrupted: " + out.decode(errors="replace")
        proc.send_signal(signal.SIGINT)
        assert proc.stderr is not None
        code = proc.wait(timeout=60)
        return code, proc.stderr.read().decode("utf-8", errors="replace")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(timeout=10)


@pytest.fixture(scope="module")
def timetable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("plan")
    done = subprocess.run(
        [sys.executable, "-m", "reopen_sim.cli", "plan", str(SCENARIO), "-o", str(d / "plan")],
        capture_output=True,
        env=_env(),
    )
    assert done.returncode == 0, done.stderr
    return d / "plan" / "timetable.csv"


def test_ctrl_c_stops_simulate_leaving_nothing(timetable: Path, tmp_path: Path) -> None:
    out = tmp_path / "sim"
    code, stderr = _interrupt_when(
        ["simulate", str(SCENARIO), "--plan", str(timetable), "-o", str(out), "-n", "2000"], b"%", tmp_path
    )
    assert code == 130, stderr
    assert "Traceback" not in stderr and "Aborted." in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no output folder, no temporary one


def test_ctrl_c_stops_run_leaving_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, stderr = _interrupt_when(
        ["run", str(SCENARIO), "-o", str(out), "-n", "2000", "--time-limit", "5", "--lang", "zh"],
        b"%",
        tmp_path,
    )
    assert code == 130, stderr
    assert "Traceback" not in stderr and "已中止" in stderr  # said in the user's language
    assert sorted(p.name for p in tmp_path.iterdir()) == []
