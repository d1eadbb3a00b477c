"""The desk's simulate job reports the mornings' contacts: the library's ``contacts(...).summary()``
of the same simulated mornings, through the API (tiny school)."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from desk_support import TINY, client_for, plan_school, upload, wait_job
from reopen_sim.exposure.contacts import contacts
from reopen_sim.plan import plan_from_rows
from reopen_sim.scenario.load import load_scenario
from reopen_sim.simulation.run import simulate


def test_simulate_job_gives_the_contacts_of_its_mornings(tmp_path: Path) -> None:
    with client_for(tmp_path) as c:
        school = upload(c).json()["id"]
        planned = plan_school(c, school)
        assert planned["status"] == "done", planned
        plan_id = planned["result"]["plan"]
        r = c.post(f"/api/plans/{plan_id}/simulate", json={"replications": 4, "seed": 5})
        assert r.status_code == 202, r.text
        job = wait_job(c, r.json()["job"])
        assert job["status"] == "done", job
        rows = c.get(f"/api/plans/{plan_id}").json()["classes"]
        stored = c.get(f"/api/plans/{plan_id}/simulations").json()[0]

    sc = load_scenario(TINY)
    want = contacts(sc, simulate(sc, plan_from_rows(rows), replications=4, seed=5)).summary()
    got = job["result"]["contacts"]
    assert stored["contacts"] == got
    assert [(g["setting"], g["mixing"]) for g in got] == list(
        zip(want["setting"], want["mixing"], strict=True)
    )
    for g, (_, w) in zip(got, want.iterrows(), strict=True):
        for col in want.columns:
            if isinstance(w[col], float) and math.isnan(w[col]):
                assert g[col] is None, (col, g)
            else:
                assert g[col] == w[col], (col, g, w)
    any_close = next(g for g in got if g["setting"] == "any" and g["mixing"] == "all")
    assert any_close["close_pairs_mean"] > 0  # classmates share rooms for hours


def _simulated(tmp_path: Path, processes: int) -> dict[str, Any]:
    with client_for(tmp_path, job_processes=processes) as c:
        school = upload(c).json()["id"]
        planned = plan_school(c, school)
        assert planned["status"] == "done", planned
        r = c.post(f"/api/plans/{planned['result']['plan']}/simulate", json={"replications": 12, "seed": 3})
        job = wait_job(c, r.json()["job"])
        assert job["status"] == "done", job
        result: dict[str, Any] = job["result"]
        return result


def test_a_simulate_job_on_two_processes_gives_the_same_answer_as_on_one(tmp_path: Path) -> None:
    """The mornings in a pool and the contacts in a process beside the judgement: same figures."""
    one = _simulated(tmp_path / "one", 1)
    two = _simulated(tmp_path / "two", 2)
    assert one.pop("simulation") == two.pop("simulation") == 1
    assert one["certification"] is not None  # 12 mornings: judged against the service level
    assert one == two


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads process groups from /proc")
def test_cancelling_a_simulate_job_ends_the_processes_it_started(tmp_path: Path) -> None:
    with client_for(tmp_path, job_processes=2) as c:
        school = upload(c).json()["id"]
        planned = plan_school(c, school)
        r = c.post(f"/api/plans/{planned['result']['plan']}/simulate", json={"replications": 1000, "seed": 1})
        job = r.json()["job"]
        deadline = time.monotonic() + 60
        while c.get(f"/api/jobs/{job}").json()["progress"] <= 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # some mornings are back: the pool's processes are running
        group = c.app.state.jobs._running[job].pid  # type: ignore[attr-defined]
        members = _group_members(group)
        assert len(members) >= 3, members  # the job and its two pool processes
        assert c.delete(f"/api/jobs/{job}").json()["status"] == "cancelled"
        deadline = time.monotonic() + 10
        while _group_members(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _group_members(group) == []


def _group_members(group: int) -> list[int]:
    """Live processes (not zombies) of process group ``group``, from /proc."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out
