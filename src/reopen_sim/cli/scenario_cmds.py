"""Commands about the scenario itself: ``validate``."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text

from reopen_sim.cli.app import (
    DEFAULT_LANG,
    LangOpt,
    ScenarioArg,
    app,
    console,
    print_lines,
)
from reopen_sim.errors import notice_lines
from reopen_sim.i18n import Catalogue, load_catalogue
from reopen_sim.naming import grade_name

# The resources ``summarise`` names (in English) -> their catalogue keys; others print as named.
RESOURCE_KEYS = {
    "gate screening, whole arrival span": "cli.res_gates",
    "room seats (distanced)": "cli.res_seats",
    "rooms (one per class, more for split classes)": "cli.res_rooms",
    "canteen seats over all sittings": "cli.res_canteen",
}


def _line(text: str, bold: str = "") -> None:
    """Print user text without rich markup; ``bold`` (a prefix of it) in bold."""
    out = Text(text)
    if bold and text.startswith(bold):
        out.stylize("bold", 0, len(bold))
    console.print(out, highlight=False)


def print_summary(scenario_path: Path, t: Catalogue) -> None:
    """Load a scenario and print its summary table (raises InputError on bad input)."""
    from reopen_sim.scenario.load import load_scenario
    from reopen_sim.scenario.summary import summarise

    sc = load_scenario(scenario_path)
    s = summarise(sc)
    _line(t("cli.valid", school=s.school, path=scenario_path), bold=s.school)
    print_lines(notice_lines(sc.notices, t))
    _line(
        t(
            "cli.summary",
            students=s.students,
            classes=s.classes,
            boarders=s.boarders,
            span=s.arrival_span,
            windows=s.windows,
            window=sc.day.window_min,
        )
    )
    tab = Table(title=t("cli.by_grade_title"))
    tab.add_column(t("cli.col_grade"), justify="left", no_wrap=True)
    tab.add_column(t("cli.col_students"), justify="right", overflow="fold")
    for g, n in s.students_by_grade.items():
        tab.add_row(grade_name(g, t.lang), str(n))
    console.print(tab)
    tab = Table(title=t("cli.gates_title"))
    tab.add_column(t("cli.col_gate"), justify="left", no_wrap=True)
    for col in (
        "cli.col_open_to",
        "cli.col_lanes",
        "cli.col_per_min",
        "cli.col_per_window",
        "cli.col_places",
    ):
        tab.add_column(t(col), justify="right", overflow="fold")
    for e in sc.entrances:
        tab.add_row(
            e.id,
            t(f"cli.open_to_{e.open_to.value}"),
            str(e.lanes),
            f"{s.gate_throughput_per_min[e.id]:.1f}",
            str(s.gate_window_capacity[e.id]),
            str(s.queue_places[e.id]),
        )
    console.print(tab)
    caps = s.room_capacity
    _line(
        t(
            "cli.rooms_line",
            rooms=len(caps),
            seats=sum(caps.values()),
            largest=max(caps.values()),
            smallest=min(caps.values()),
        )
    )
    if sc.canteen.mode == "sittings":
        rule = t(f"cli.seating_{sc.canteen.seating_rule}")
        _line(
            t(
                "cli.canteen_sittings",
                seats=s.canteen_seats_per_sitting,
                rule=rule,
                sittings=s.canteen_sittings,
            )
        )
    else:
        _line(t("cli.canteen_delivered"))
    tab = Table(title=t("cli.resources_title"))
    tab.add_column(t("cli.col_resource"), justify="left", no_wrap=True)
    for col in ("cli.col_demand", "cli.col_capacity", "cli.col_load"):
        tab.add_column(t(col), justify="right", overflow="fold")
    for r in sorted(s.resources, key=lambda r: -r.ratio):
        tab.add_row(
            t.get(RESOURCE_KEYS.get(r.name, ""), r.name), str(r.demand), str(r.capacity), f"{r.ratio:.0%}"
        )
    console.print(tab)
    tight = s.tightest
    name = t.get(RESOURCE_KEYS.get(tight.name, ""), tight.name)
    _line(t("cli.tightest", resource=name, load=f"{tight.ratio:.0%}"))


@app.command()
def validate(scenario: ScenarioArg, lang: LangOpt = DEFAULT_LANG) -> None:
    """Check a scenario file and print a summary, or every error found in it."""
    print_summary(scenario, load_catalogue(lang))
