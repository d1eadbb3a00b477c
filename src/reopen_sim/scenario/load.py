"""Loading a scenario: YAML (+ roster CSV/XLSX/XLS), validated once, every error of a file reported at once.

The single entry point is :func:`load_scenario` (a path) and its core :func:`scenario_from_dict` (a
mapping). The work is split by concern: reading files (``files``), rosters (``roster``), turning
validation errors into issues (``issues``) and checks beyond the schema (``crosscheck``).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from reopen_sim.errors import InputError, InputIssue, Notice
from reopen_sim.scenario.crosscheck import cross_reference_issues, impossibility_issues
from reopen_sim.scenario.files import read_bytes
from reopen_sim.scenario.issues import RowOrigin, fields_at, loc_to_path, show, validation_issues
from reopen_sim.scenario.roster import read_roster
from reopen_sim.scenario.schema import Scenario

# Kept importable from here (district loading uses them).
_show = show
_loc_to_path = loc_to_path
__all__ = [
    "cross_reference_issues",
    "impossibility_issues",
    "load_scenario",
    "scenario_from_dict",
]


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in override.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


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
        from reopen_sim.scenario.workbook import load_workbook_scenario

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


def _roster_classes(
    data: dict[str, Any], file: str, base_dir: str | Path | None
) -> tuple[list[InputIssue], list[RowOrigin] | None, list[Notice]]:
    """Replace ``data["roster"]`` by the classes it names; (issues, origins, notices)."""
    roster = data.pop("roster")
    if "classes" in data:
        return (
            [
                InputIssue(
                    file,
                    "roster",
                    show(roster),
                    "either roster or classes, not both",
                    key="roster_or_classes",
                )
            ],
            None,
            [],
        )
    if not isinstance(roster, str) or not roster.strip():
        return (
            [
                InputIssue(
                    file, "roster", show(roster), "a path to a .csv, .xlsx or .xls roster", key="roster_path"
                )
            ],
            None,
            [],
        )
    rpath = Path(roster)
    if not rpath.is_absolute():
        rpath = Path(base_dir or ".") / rpath
    if not rpath.exists():
        return (
            [
                InputIssue(
                    file,
                    "roster",
                    roster,
                    f"an existing roster file (looked for {rpath})",
                    key="roster_exists",
                    fields={"looked": str(rpath)},
                )
            ],
            None,
            [],
        )
    try:
        got = read_roster(rpath)
    except InputError as e:
        return list(e.issues), None, []
    data["classes"] = got.classes
    return got.issues, got.origins, got.notices


def scenario_from_dict(
    data: Mapping[str, Any],
    file: str = "<scenario>",
    base_dir: str | Path | None = None,
    sha256: str | None = None,
) -> Scenario:
    """Validate a scenario given as a mapping (the content of a scenario YAML)."""
    data = dict(data)
    issues: list[InputIssue] = []
    origins: list[RowOrigin] | None = None
    notices: list[Notice] = []
    if "roster" in data:
        issues, origins, notices = _roster_classes(data, file, base_dir)
    for key in ("notices", "source_path", "source_sha256"):  # set by the loader, never by a file
        if key in data:
            known = ", ".join(fields_at(("x",)) or [])
            issues.append(
                InputIssue(
                    file,
                    key,
                    show(data.pop(key)),
                    f"no such field (known fields: {known})",
                    key="no_such_field",
                    fields={"fields": known},
                )
            )
    if issues:
        raise InputError(issues)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_issues(exc, file, origins)) from None
    issues.extend(cross_reference_issues(sc, file, origins))
    if not issues:
        issues.extend(impossibility_issues(sc, file))
    if issues:
        raise InputError(issues)
    return sc.model_copy(update={"source_path": file, "source_sha256": sha256, "notices": tuple(notices)})
