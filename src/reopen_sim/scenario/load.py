"""Loading a scenario: YAML (+ roster CSV/XLSX/XLS), validated once, every error of a file reported at once.

The single entry point is :func:`load_scenario` (a path) and its core :func:`scenario_from_dict` (a
mapping). The work is split by concern: reading files (``files``), rosters (``roster``), turning
validation errors into issues (``issues``) and checks beyond the schema (``crosscheck``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.scenario.build import _deep_merge, scenario_from_dict
from reopen_sim.scenario.crosscheck import cross_reference_issues, impossibility_issues
from reopen_sim.scenario.files import read_bytes
from reopen_sim.scenario.issues import RowOrigin, loc_to_path, show
from reopen_sim.scenario.roster import read_roster
from reopen_sim.scenario.schema import Scenario
from reopen_sim.scenario.workbook_read import load_workbook_scenario

# Kept importable from here (district loading uses them).
_show = show
_loc_to_path = loc_to_path
__all__ = [
    "_deep_merge",
    "cross_reference_issues",
    "impossibility_issues",
    "load_scenario",
    "scenario_from_dict",
]


def _classes_from_roster(path: Path) -> tuple[list[dict[str, Any]], list[RowOrigin], list[InputIssue]]:
    """Roster rows -> class mappings, where each came from, and cell issues (see :mod:`.roster`)."""
    got = read_roster(path)
    return got.classes, got.origins, got.issues


def _yaml_issue(p: Path, exc: yaml.YAMLError) -> InputIssue:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return InputIssue(
            str(p), "", "", f"valid YAML ({problem})", key="valid_yaml", fields={"problem": problem}
        )
    line, col = mark.line + 1, mark.column + 1
    return InputIssue(
        str(p),
        f"line {line}, column {col}",
        "",
        f"valid YAML ({problem})",
        key="valid_yaml",
        fields={"problem": problem},
        path_key="line_col",
        path_fields={"n": line, "col": col},
    )


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file. Raises :class:`InputError` listing every problem found.

    ``overrides`` (a nested mapping) is merged into the file's content before validation; a what-if
    such as ``{"policy": {"queue_spacing_m": 1.5}}`` is validated exactly like the file itself.
    Notices (e.g. a roster's total row skipped) are in ``Scenario.notices``.
    """
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):  # a school workbook (scenario/workbook.py)
        return load_workbook_scenario(p, overrides)
    raw_bytes = read_bytes(p, "scenario")
    try:
        data = yaml.safe_load(raw_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError([InputIssue(str(p), "", "", "a UTF-8 encoded YAML file", key="yaml_utf8")]) from None
    except yaml.YAMLError as exc:
        raise InputError([_yaml_issue(p, exc)]) from None
    except RecursionError:
        raise InputError([InputIssue(str(p), "", "", "YAML nested less deeply", key="yaml_depth")]) from None
    if not isinstance(data, dict):
        raise InputError(
            [
                InputIssue(
                    str(p),
                    "",
                    show(data),
                    "a YAML mapping with school, day, classes, entrances, rooms",
                    key="yaml_mapping",
                )
            ]
        )
    if overrides:
        data = _deep_merge(data, overrides)
    digest = hashlib.sha256(raw_bytes).hexdigest()
    return scenario_from_dict(data, file=str(p), base_dir=p.parent, sha256=digest)
