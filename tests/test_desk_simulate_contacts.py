"""The desk's simulate job reports the mornings' contacts: the library's ``contacts(...).summary()``
of the same simulated mornings, through the API (tiny school)."""

from __future__ import annotations

import math
from pathlib import Path

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
