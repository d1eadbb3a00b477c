"""Commands about the scenario itself: ``validate``."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from reopen_sim.cli.app import (
    ScenarioArg,
    app,
    console,
)


def print_summary(scenario_path: Path) -> None:
    """Load a scenario and print its summary table (raises InputError on bad input)."""
    from reopen_sim.scenario.load import load_scenario
    from reopen_sim.scenario.summary import summarise

    sc = load_scenario(scenario_path)
    s = summarise(sc)
    console.print(f"[bold]{s.school}[/bold] — {scenario_path}: valid")
    console.print(
        f"{s.students} students in {s.classes} classes ({s.boarders} boarders); "
        f"arrivals {s.arrival_span} in {s.windows} windows of {sc.day.window_min} min"
    )
    t = Table(title="Students by grade")
    t.add_column("grade", justify="right")
    t.add_column("students", justify="right")
    for g, n in s.students_by_grade.items():
        t.add_row(str(g), str(n))
    console.print(t)
    t = Table(title="Gates")
    for col in ("gate", "open to", "lanes", "screening/min", "per window", "queue places"):
        t.add_column(col, justify="right")
    for e in sc.entrances:
        t.add_row(
            e.id,
            e.open_to.value,
            str(e.lanes),
            f"{s.gate_throughput_per_min[e.id]:.1f}",
            str(s.gate_window_capacity[e.id]),
            str(s.queue_places[e.id]),
        )
    console.print(t)
    caps = s.room_capacity
    console.print(
        f"Rooms: {len(caps)} rooms, {sum(caps.values())} distanced seats "
        f"(largest {max(caps.values())}, smallest {min(caps.values())})"
    )
    if sc.canteen.mode == "sittings":
        console.print(
            f"Canteen: {s.canteen_seats_per_sitting} distanced seats a sitting "
            f"({sc.canteen.seating_rule}), up to {s.canteen_sittings} sittings"
        )
    else:
        console.print("Canteen: meals delivered to classrooms")
    t = Table(title="Resources (demand ÷ capacity)")
    for col in ("resource", "demand", "capacity", "load"):
        t.add_column(col, justify="right")
    for r in sorted(s.resources, key=lambda r: -r.ratio):
        t.add_row(r.name, str(r.demand), str(r.capacity), f"{r.ratio:.0%}")
    console.print(t)
    tight = s.tightest
    console.print(f"Tightest resource: [bold]{tight.name}[/bold] at {tight.ratio:.0%}")


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file and print a summary, or every error found in it."""
    print_summary(scenario)
