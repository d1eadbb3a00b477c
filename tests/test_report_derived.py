"""What the report, the workbook, the notices and the duty sheets say about capacity is what the
optimizer used: every figure comes from ``scenario.derived.derived(sc)``.

The capacities are replaced by made-up ones (every figure moved off its formula); a report figure
computed on the side from the capacity formulas would then differ from ``derived``'s.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from pathlib import Path
from types import MappingProxyType

import pytest

import reopen_sim as rs
from reopen_sim.i18n import load_catalogue
from reopen_sim.optimizer.baseline import baseline_plan
from reopen_sim.report import figures, notices, publish, timetable, write
from reopen_sim.scenario import derived as derived_mod
from reopen_sim.scenario.derived import Capacities, derived
from test_report import synthetic_comparison

ROOT = Path(__file__).resolve().parents[1]


def moved(c: Capacities) -> Capacities:
    """Every capacity changed, each by a different amount (so a mix-up shows too)."""
    return dataclasses.replace(
        c,
        room_seats=MappingProxyType({r: n + 3 for r, n in c.room_seats.items()}),
        gate_window=tuple(n + 11 for n in c.gate_window),
        open_lanes=tuple(n + 1 for n in c.open_lanes),
        queue_places=tuple(n + 17 for n in c.queue_places),
        screen_per_min=tuple(x + 0.5 for x in c.screen_per_min),
        canteen_seats=c.canteen_seats + 7,
    )


@pytest.fixture
def sc(monkeypatch: pytest.MonkeyPatch) -> rs.Scenario:
    real = derived_mod.compute_capacities
    monkeypatch.setattr(derived_mod, "compute_capacities", lambda s: moved(real(s)))
    monkeypatch.setattr(derived_mod, "_cache", OrderedDict())
    return rs.load_scenario(ROOT / "scenarios" / "high-school.yaml")  # canteen sittings, several gates


def test_duty_roster_rooms_and_sittings(sc: rs.Scenario) -> None:
    d, t, plan = derived(sc), load_catalogue("en"), baseline_plan(sc)
    staff_per_lane = sc.policy.staff_per_lane
    for row in timetable.gate_rows(plan, sc, t):
        g = d.gate(row[0])
        assert (row[6], row[7], row[8]) == (g.window, g.lanes, g.lanes * staff_per_lane), row
    rows = timetable.room_rows(plan, sc, t)
    assert {r[2]: r[7] for r in rows} == dict(d.room_seats)
    sittings = timetable.sitting_rows(plan, sc, t)
    assert sittings and all(r[-1] == d.canteen_seats for r in sittings)


def test_gate_notices_and_duty_sheets(sc: rs.Scenario) -> None:
    d, t, plan = derived(sc), load_catalogue("en"), baseline_plan(sc)
    for page in notices.gate_notices(sc, plan, t):
        g = d.gate(page["gate"])
        assert page["summary"].startswith(f"{g.lanes} lane(s) open"), page["summary"]
        assert f"{g.places} marked places" in page["summary"], page["summary"]
    for page in publish.gate_pages(sc, plan, t):
        g = d.gate(page["gate"])
        assert page["summary"].startswith(f"{g.lanes} lane(s) open"), page["summary"]
        assert all(a["lanes"] == g.lanes for a in page["arrivals"])


def test_assumptions_and_canteen_figure(sc: rs.Scenario) -> None:
    d, t = derived(sc), load_catalogue("en")
    lines = [x for x in write.assumptions(sc, synthetic_comparison(sc, 2), t) if x.startswith("Gate ")]
    assert len(lines) == len(sc.entrances)
    for e, line in zip(sc.entrances, lines, strict=True):
        g = d.gate(e.id)
        assert f"{g.lanes} lane(s) open" in line and f"about {round(g.screen_per_min, 1)} students" in line, (
            line
        )
    fig = figures.canteen_occupancy({"baseline": baseline_plan(sc)}, sc, t)
    levels = {round(float(y), 6) for line in fig.axes[0].get_lines() for y in line.get_ydata()}
    assert d.canteen_seats in levels, levels
