"""A scenario from a mapping: the content of a scenario YAML, a workbook or a what-if, validated.

Both file loaders (``load.py`` for YAML, ``workbook_read.py`` for workbooks) end here, so a school
is validated the same way whatever it came in.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reopen_sim.errors import InputError, InputIssue, Notice
from reopen_sim.scenario.crosscheck import cross_reference_issues, impossibility_issues
from reopen_sim.scenario.issues import RowOrigin, fields_at, show, validation_issues
from reopen_sim.scenario.roster import read_roster
from reopen_sim.scenario.schema import Scenario, SourceFormat
from reopen_sim.scenario.setting_names import Setting

__all__ = ["_deep_merge", "scenario_from_dict"]


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in override.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


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


def _in_terms(issue: InputIssue, source_format: SourceFormat) -> InputIssue:
    """A schema rule whose advice names settings, with them named as the user's file does."""
    if issue.key != "canteen_tables":
        return issue
    fields = {
        "tables": Setting("canteen.tables", source=source_format, label=True),
        "delivered": Setting("canteen.mode", "delivered", source_format),
    }
    expected = "{tables} of at least 1 for a canteen with sittings (or {delivered})".format(**fields)
    return dataclasses.replace(issue, expected=expected, fields=fields)


def scenario_from_dict(
    data: Mapping[str, Any],
    file: str = "<scenario>",
    base_dir: str | Path | None = None,
    sha256: str | None = None,
    source_format: SourceFormat = "yaml",
) -> Scenario:
    """Validate a scenario given as a mapping (the content of a scenario YAML).

    ``source_format``: how the user writes the school (``"workbook_zh"``/``"workbook_en"`` for a
    workbook, ``"workbook"`` for the desk's tables); advice in the issues and in later explanations
    names settings in those terms."""
    data = dict(data)
    issues: list[InputIssue] = []
    origins: list[RowOrigin] | None = None
    notices: list[Notice] = []
    if "roster" in data:
        issues, origins, notices = _roster_classes(data, file, base_dir)
    for key in ("notices", "source_path", "source_sha256", "source_format"):  # set by the loader
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
        issues = [_in_terms(i, source_format) for i in validation_issues(exc, file, origins)]
        raise InputError(issues) from None
    sc = sc.model_copy(update={"source_format": source_format})
    issues.extend(cross_reference_issues(sc, file, origins))
    if not issues:
        issues.extend(impossibility_issues(sc, file))
    if issues:
        raise InputError(issues)
    return sc.model_copy(update={"source_path": file, "source_sha256": sha256, "notices": tuple(notices)})
