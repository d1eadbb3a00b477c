"""Progress goes through a callback: silent by default, a tqdm bar on request, or the caller's own."""

from __future__ import annotations

import pytest

import reopen_sim as rs
from reopen_sim.progress import Bar, Silent, as_progress
from reopen_sim.scenario.load import load_scenario
from test_simulate_support import simple_plan


class Recorder:
    """A Progress that writes down what it is told."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def start(self, total: int, label: str) -> None:
        self.events.append(("start", (total, label)))

    def advance(self, n: int = 1) -> None:
        self.events.append(("advance", n))

    def close(self) -> None:
        self.events.append(("close", None))


@pytest.mark.parametrize("processes", [1, 2])
def test_simulate_reports_every_replication_to_a_function(processes: int) -> None:
    sc = load_scenario("scenarios/tiny-school.yaml")
    calls: list[tuple[int, int]] = []
    rs.simulate(
        sc,
        simple_plan(sc),
        replications=4,
        seed=1,
        processes=processes,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]


def test_simulate_reports_to_a_progress_object_with_its_label() -> None:
    sc = load_scenario("scenarios/tiny-school.yaml")
    rec = Recorder()
    rs.simulate(sc, simple_plan(sc), replications=3, seed=1, progress=rec, progress_label="Plan A")
    assert rec.events == [
        ("start", (3, "Plan A")),
        ("advance", 1),
        ("advance", 1),
        ("advance", 1),
        ("close", None),
    ]


def test_progress_is_closed_when_a_replication_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from reopen_sim.simulation import run

    sc = load_scenario("scenarios/tiny-school.yaml")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(run, "run_day", broken)
    rec = Recorder()
    with pytest.raises(RuntimeError, match="boom"):
        rs.simulate(sc, simple_plan(sc), replications=2, seed=1, progress=rec)
    assert rec.events[-1] == ("close", None)


def test_true_draws_a_tqdm_bar_on_stderr_and_false_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    sc = load_scenario("scenarios/tiny-school.yaml")
    rs.simulate(sc, simple_plan(sc), replications=2, seed=1, progress=True, progress_label="Bar test")
    out = capsys.readouterr()
    assert "Bar test" in out.err and out.out == ""
    rs.simulate(sc, simple_plan(sc), replications=2, seed=1, progress=False)
    assert capsys.readouterr() == ("", "")


def test_as_progress_kinds() -> None:
    assert isinstance(as_progress(None), Silent) and isinstance(as_progress(False), Silent)
    assert isinstance(as_progress(True), Bar)
    rec = Recorder()
    assert as_progress(rec) is rec
    with pytest.raises(TypeError):
        as_progress(3)  # type: ignore[arg-type]


def test_compare_passes_progress_to_each_plan() -> None:
    sc = load_scenario("scenarios/tiny-school.yaml")
    rec = Recorder()
    plan = simple_plan(sc)
    rs.compare(sc, {"a": plan, "b": plan}, replications=2, seed=1, progress=rec)
    starts = [e[1] for e in rec.events if e[0] == "start"]
    assert starts == [(2, "Simulating the a plan"), (2, "Simulating the b plan")]
