"""``reopen-sim simulate SCENARIO --plan TIMETABLE.csv -n N -o OUT``: files, exit codes, atomic output."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from reopen_sim.cli import main
from reopen_sim.scenario.load import load_scenario
from test_simulate_support import simple_plan

SCENARIO = "scenarios/tiny-school.yaml"


class Ran:
    def __init__(self, returncode: int, stderr: str) -> None:
        self.returncode = returncode
        self.stderr = stderr


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run ``reopen-sim ARGS`` in this process through ``cli.main`` (exit-code mapping included)."""

    def run(*args: str) -> Ran:
        monkeypatch.setattr(sys, "argv", ["reopen-sim", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as e:
            code = int(e.code or 0)
        return Ran(code, capsys.readouterr().err)

    return run


def timetable(tmp_path: Path) -> Path:
    p = tmp_path / "timetable.csv"
    p.write_text(simple_plan(load_scenario(SCENARIO)).to_csv_text(), encoding="utf-8")
    return p


def test_simulate_writes_summaries(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    r = cli(
        "simulate", SCENARIO, "--plan", str(timetable(tmp_path)), "-n", "3", "-o", str(out), "--seed", "4"
    )
    assert r.returncode == 0, r.stderr
    files = {p.name for p in out.iterdir()}
    assert files == {
        "gate_summary.csv",
        "metrics.csv",
        "timeseries.csv",
        "timeseries_summary.csv",
        "trace_replication_0.csv",
        "simulation.json",
    }
    gs = pd.read_csv(out / "gate_summary.csv")
    assert list(gs["gate"]) == ["gate", "all"]
    assert {"max_queue_people_mean", "max_queue_people_lo", "max_queue_people_hi"} <= set(gs.columns)
    m = pd.read_csv(out / "metrics.csv")
    assert sorted(m["replication"].unique()) == [0, 1, 2]
    ts = pd.read_csv(out / "timeseries.csv")
    assert list(ts.columns) == [
        "replication",
        "gate",
        "minute",
        "queue_people",
        "queue_m",
        "spill_people",
        "spill_m",
    ]
    assert json.loads((out / "simulation.json").read_text())["seed"] == 4
    # the same command gives the same figures
    out2 = tmp_path / "out2"
    cli("simulate", SCENARIO, "--plan", str(timetable(tmp_path)), "-n", "3", "-o", str(out2), "--seed", "4")
    assert (out / "metrics.csv").read_text() == (out2 / "metrics.csv").read_text()


def test_bad_timetable_exit_2_and_nothing_written(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    tt = timetable(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(tt.read_text().replace(",gate,", ",back-door,"), encoding="utf-8")
    out = tmp_path / "out"
    r = cli("simulate", SCENARIO, "--plan", str(bad), "-n", "2", "-o", str(out))
    assert r.returncode == 2
    assert "back-door" in r.stderr and str(bad) in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp folder left
    r = cli("simulate", SCENARIO, "--plan", str(tt), "-n", "2", "-o", str(out), "--lanes", "zigzag")
    assert r.returncode == 2 and "zigzag" in r.stderr


def test_existing_output_needs_force(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    tt = str(timetable(tmp_path))
    r = cli("simulate", SCENARIO, "--plan", tt, "-n", "2", "-o", str(out))
    assert r.returncode == 2 and (out / "keep.txt").exists()
    r = cli("simulate", SCENARIO, "--plan", tt, "-n", "2", "-o", str(out), "--force")
    assert r.returncode == 0 and (out / "gate_summary.csv").exists()


@pytest.mark.parametrize("option", ["--lane-choice", "--lanes"])
def test_lane_choice_is_typed(tmp_path: Path, cli, option: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    r = cli(
        "simulate", SCENARIO, "--plan", str(timetable(tmp_path)), "-n", "2", "-o", str(out), option, "shared"
    )
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "simulation.json").read_text())["lane_choice"] == "shared"
    r = cli(
        "simulate",
        SCENARIO,
        "--plan",
        str(timetable(tmp_path)),
        "-n",
        "2",
        "-o",
        str(tmp_path / "o2"),
        option,
        "queue",
    )
    assert r.returncode == 2 and option in r.stderr and "queue" in r.stderr and "shortest" in r.stderr
