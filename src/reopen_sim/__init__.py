"""reopen-sim: plan and test staggered school reopening.

The public API is listed by hand in ``__all__``. Names are imported on first use (PEP 562), so
``import reopen_sim`` stays light and runs nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it
_EXPORTS: dict[str, str] = {
    "load_scenario": "reopen_sim.scenario.load",
    "scenario_from_dict": "reopen_sim.scenario.load",
    "Scenario": "reopen_sim.scenario.schema",
    "summarise": "reopen_sim.scenario.summary",
    "apply_what_if": "reopen_sim.scenario.whatif",
    "InputError": "reopen_sim.errors",
    "InfeasibleError": "reopen_sim.errors",
    "Plan": "reopen_sim.plan",
    "ClassAssignment": "reopen_sim.plan",
    "read_timetable": "reopen_sim.plan",
    "optimize": "reopen_sim.optimizer.solve",
    "baseline_plan": "reopen_sim.optimizer.baseline",
    "check_plan": "reopen_sim.optimizer.check",
    "Violation": "reopen_sim.optimizer.check",
    "simulate": "reopen_sim.simulation.run",
    "SimulationResult": "reopen_sim.simulation.result",
    "contacts": "reopen_sim.exposure.contacts",
    "ContactGraph": "reopen_sim.exposure.graph",
    "compare": "reopen_sim.experiment",
    "Comparison": "reopen_sim.experiment",
    "write_report": "reopen_sim.report.write",
    "load_district": "reopen_sim.district.load",
    "sweep": "reopen_sim.district.sweep",
    "generate_district": "reopen_sim.district.generate",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'reopen_sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - every export, so type checkers see rs.optimize etc. typed
    from reopen_sim.district.generate import generate_district as generate_district
    from reopen_sim.district.load import load_district as load_district
    from reopen_sim.district.sweep import sweep as sweep
    from reopen_sim.errors import InfeasibleError as InfeasibleError
    from reopen_sim.errors import InputError as InputError
    from reopen_sim.experiment import Comparison as Comparison
    from reopen_sim.experiment import compare as compare
    from reopen_sim.exposure.contacts import contacts as contacts
    from reopen_sim.exposure.graph import ContactGraph as ContactGraph
    from reopen_sim.optimizer.baseline import baseline_plan as baseline_plan
    from reopen_sim.optimizer.check import Violation as Violation
    from reopen_sim.optimizer.check import check_plan as check_plan
    from reopen_sim.optimizer.solve import optimize as optimize
    from reopen_sim.plan import ClassAssignment as ClassAssignment
    from reopen_sim.plan import Plan as Plan
    from reopen_sim.plan import read_timetable as read_timetable
    from reopen_sim.report.write import write_report as write_report
    from reopen_sim.scenario.load import load_scenario as load_scenario
    from reopen_sim.scenario.load import scenario_from_dict as scenario_from_dict
    from reopen_sim.scenario.schema import Scenario as Scenario
    from reopen_sim.scenario.summary import summarise as summarise
    from reopen_sim.scenario.whatif import apply_what_if as apply_what_if
    from reopen_sim.simulation.result import SimulationResult as SimulationResult
    from reopen_sim.simulation.run import simulate as simulate
