"""Faults lose no work: a killed worker is retried, a killed sweep resumes to the same bytes,
Ctrl-C stops a sweep (exit 130) keeping its finished tasks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from district_fakes import AlwaysKillsItsWorker, KillsItsWorkerOnce, fake_evaluator
from reopen_sim.district.load import District, load_district
from reopen_sim.district.store import TaskOutcome, TaskStore
from reopen_sim.district.sweep import SweepResult, sweep
from reopen_sim.generate import generate_school

ROOT = Path(__file__).resolve().parents[1]


def _district_file(d: Path, n_students: int = 120, n_schools: int = 3) -> Path:
    schools = [
        {"scenario": generate_school(seed, n_students=n_students, kind=k, name=f"Gen {k}")}
        for seed, k in ((31, "high"), (12, "junior_middle"), (11, "primary"))[:n_schools]
    ]
    data = {
        "district": {"name": "Faulty district"},
        "schools": schools,
        "what_ifs": [
            {"name": "baseline"},
            {"name": "spacing 1.5 m", "overrides": {"policy": {"queue_spacing_m": 1.5}}},
        ],
    }
    p = d / "district.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    return load_district(_district_file(tmp_path_factory.mktemp("faults")))


@pytest.fixture(scope="module")
def reference(district: District) -> SweepResult:
    return sweep(district, replications=3, seed=5, executor="inprocess", evaluator=fake_evaluator)


def _assert_same(a: SweepResult, b: SweepResult) -> None:
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    pd.testing.assert_frame_equal(a.paired, b.paired)
    pd.testing.assert_frame_equal(a.status, b.status)
    assert a.timetables.keys() == b.timetables.keys()
    for k, tt in a.timetables.items():
        pd.testing.assert_frame_equal(b.timetables[k], tt)


def test_a_killed_worker_is_retried_and_the_sweep_matches(
    district: District, reference: SweepResult, tmp_path: Path
) -> None:
    killer = KillsItsWorkerOnce(str(tmp_path), "Gen junior_middle")
    res = sweep(district, replications=3, seed=5, executor="process", workers=2, evaluator=killer)
    assert (tmp_path / "killed-once").exists()  # a worker really was killed (SIGKILL) mid-sweep
    assert set(res.status["status"]) == {"ok"}
    _assert_same(reference, res)


def test_a_task_that_always_kills_its_worker_is_reported_not_fatal(district: District) -> None:
    res = sweep(
        district,
        replications=3,
        seed=5,
        executor="process",
        workers=2,
        evaluator=AlwaysKillsItsWorker("Gen primary"),
    )
    st = res.status.set_index(["school", "what_if"])
    lost = st.loc["Gen primary"]
    assert set(lost["status"]) == {"error"}
    assert all("worker process died" in r for r in lost["reason"])
    others = st.drop(index="Gen primary", level="school")
    assert set(others["status"]) == {"ok"}


def test_stored_outcome_round_trips_exactly() -> None:
    # key order is data here: it is the order of metrics in replicates.csv and of timetable columns
    out = TaskOutcome(
        "S",
        "w",
        "ok",
        summary=[{"metric": "z", "mean": 0.1 + 0.2, "lo": float("nan"), "hi": 1 / 3, "n": 3}],
        timetable=[{"class_id": "1-1", "grade": "1", "gate": "G1"}],
        replicates={"z": [0.1 + 0.2, 1e-17], "a": [2 / 3, 5.0]},
        seed=3,
        fingerprint="f",
    )
    back = TaskOutcome.from_json(out.to_json())
    assert list(back.replicates) == ["z", "a"] and list(back.timetable[0]) == ["class_id", "grade", "gate"]
    assert back.replicates == out.replicates and back.summary[0]["hi"] == 1 / 3
    assert back.to_json() == out.to_json()


# --------------------------------------------------------------------------------------------
# The command line, killed and interrupted
# --------------------------------------------------------------------------------------------


def _sweep_cmd(district_file: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "reopen_sim.cli",
        "sweep",
        str(district_file),
        "-o",
        str(out),
        "-n",
        "2",
        "--time-limit",
        "1",
        *extra,
    ]


def _env() -> dict[str, str]:
    return {"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}


def _wait_for(cond: object, proc: subprocess.Popen[str], timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():  # type: ignore[operator]
        assert proc.poll() is None, "the sweep ended before it could be interrupted"
        assert time.monotonic() < deadline, "the sweep made no progress"
        time.sleep(0.05)


def _stored(out: Path) -> int:
    """Finished tasks stored under ``out/tasks`` (not the temporary files being written)."""
    return len([p for p in (out / "tasks").glob("*.json") if not p.name.startswith(".")])


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_killed_sweep_resumes_to_the_same_bytes(tmp_path: Path) -> None:
    """Kill the whole sweep (SIGKILL) after its first finished task, run it again: every report file
    is byte for byte the one an uninterrupted sweep writes."""
    dfile = _district_file(tmp_path, n_students=100, n_schools=2)
    whole = tmp_path / "whole"
    done = subprocess.run(
        _sweep_cmd(dfile, whole, "--executor", "inprocess"), capture_output=True, text=True, env=_env()
    )
    assert done.returncode == 0, done.stderr

    resumed = tmp_path / "resumed"
    proc = subprocess.Popen(
        _sweep_cmd(dfile, resumed, "--executor", "inprocess"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(),
    )
    try:
        _wait_for(lambda: _stored(resumed), proc)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        proc.kill()
    n_kept = _stored(resumed)
    assert 1 <= n_kept < 4 and not (resumed / "report").exists()
    # What a sweep killed while saving a task leaves (the file being written): never a result.
    (resumed / "tasks" / ".tmp-killed-mid-write.json").write_text('{"school": "Gen', encoding="utf-8")
    again = subprocess.run(_sweep_cmd(dfile, resumed), capture_output=True, text=True, env=_env())
    assert again.returncode == 0, again.stderr
    assert not list((resumed / "tasks").glob(".tmp-*"))
    assert f"{n_kept} resumed" in again.stdout
    assert "summary" in pd.read_excel(resumed / "report" / "results.xlsx", sheet_name=None)
    want, got = _files(whole / "report"), _files(resumed / "report")
    assert want.keys() == got.keys()
    assert [f for f in want if want[f] != got[f]] == []


def _session(sid: int) -> list[str]:
    return subprocess.run(["pgrep", "-s", str(sid)], capture_output=True, text=True).stdout.split()


def test_ctrl_c_stops_a_sweep_and_keeps_finished_tasks(tmp_path: Path) -> None:
    """SIGINT to a sweep on the local pool: exit 130, workers gone, finished tasks kept and resumed.

    (On the in-process executor the interrupt lands inside CP-SAT, whose own handling of SIGINT
    decides; the Python-level path is tested with an interrupting evaluator in test_district_sweep.)
    """
    dfile = _district_file(tmp_path, n_students=100, n_schools=2)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        _sweep_cmd(dfile, out, "--workers", "2"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        start_new_session=True,  # a terminal's Ctrl-C reaches the whole group; this test hits the parent only
    )
    try:
        _wait_for(lambda: _stored(out), proc)
        proc.send_signal(signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "Aborted." in stderr
    kept = sorted(p.name for p in (out / "tasks").iterdir())
    assert kept and all(k.endswith(".json") and not k.startswith(".") for k in kept)
    assert sorted(p.name for p in out.iterdir()) == ["tasks"]  # no report, no temporary folder
    # no worker process of the sweep is left behind (helpers may take a moment to notice)
    deadline = time.monotonic() + 20
    while _session(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session(proc.pid) == []
    again = subprocess.run(_sweep_cmd(dfile, out), capture_output=True, text=True, env=_env())
    assert again.returncode == 0 and f"{len(kept)} resumed" in again.stdout
    store = TaskStore(out)
    assert len(list(store.dir.glob("*.json"))) == 4


# --------------------------------------------------------------------------------------------
# Sweeps that just work: a plain script without a main guard
# --------------------------------------------------------------------------------------------

_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
import reopen_sim as rs
from district_fakes import fake_evaluator

def my_evaluator(scenario, replications, seed, time_limit_s):  # written in the script itself
    return fake_evaluator(scenario, replications, seed, time_limit_s)

district = rs.load_district({district!r})
res = rs.sweep(district, replications=3, seed=5, workers=2, evaluator=my_evaluator)
res.summary.to_csv({out!r}, index=False)
print("statuses:", sorted(set(res.status["status"])))
"""


def test_sweep_from_a_script_without_a_main_guard(tmp_path: Path, reference: SweepResult) -> None:
    dfile = _district_file(tmp_path)
    script = tmp_path / "plain_script.py"
    out = tmp_path / "summary.csv"
    script.write_text(
        _SCRIPT.format(tests=str(ROOT / "tests"), district=str(dfile), out=str(out)), encoding="utf-8"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("statuses: ['ok']") == 1  # the script ran once, not once per worker
    got = pd.read_csv(out)
    want = pd.read_csv(pd.io.common.StringIO(reference.summary.to_csv(index=False)))
    pd.testing.assert_frame_equal(got, want)
