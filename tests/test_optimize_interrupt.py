"""Ctrl-C during ``reopen-sim plan``: the search stops and the command exits 130 (interrupted), instead
of CP-SAT swallowing the signal and the command carrying on with its whole time budget."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import yaml

from cli_support import ROOT
from reopen_sim.generate import generate_school

# Imports done, then the real command line: ``reopen-sim plan SCHOOL --time-limit 600 -o OUT``.
_SCRIPT = """
import sys
from reopen_sim.cli import main
import reopen_sim.optimizer.solve  # imported before the marker, so the signal lands in the search
print("ready", flush=True)
sys.argv = ["reopen-sim", "plan", sys.argv[1], "--time-limit", "600", "-o", sys.argv[2]]
main()
"""


def test_ctrl_c_stops_a_long_search_and_exits_130(tmp_path: Path) -> None:
    # A 6,000-student school whose 600 s budget is far from used up when the signal comes (the
    # 3,600-student one of the benchmark is now proven optimal within seconds).
    raw = generate_school(0, n_students=6000, kind="high", boarding_share=0.3, canteen=True)
    school = tmp_path / "school.yaml"
    school.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, str(school), str(tmp_path / "out")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        # Load, model and greedy hint take a few seconds here; the search then runs for minutes.
        try:
            proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            pass
        assert proc.returncode is None, "the search ended before the signal: the test would prove nothing"
        proc.send_signal(signal.SIGINT)
        # Bounded wait (not a timing assertion): an ignored signal runs the 600 s budget out.
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 130
    assert not (tmp_path / "out" / "timetable.csv").exists()  # nothing written
