"""The district file: many schools (paths or inline), shared defaults, and the what-ifs to sweep.

A district file is YAML::

    district: {name: East District}
    defaults:                       # merged under every school (the school's own values win)
      policy: {queue_spacing_m: 1.0}
    schools:
      - path: tiny-school.yaml      # relative to the district file
      - name: Hillside Primary      # inline: the content of a scenario file under `scenario`
        scenario: {school: {...}, day: {...}, ...}
    what_ifs:
      - name: baseline
      - {name: spacing 1.5 m, overrides: {policy: {queue_spacing_m: 1.5}}}
      - {name: thermal kiosks, every_entrance: {screening_method: thermal_kiosk,
                                                service_time_s: {dist: lognormal, mean: 3, sd: 1}}}
      - {name: largest gate closed, close_gates: [largest]}
      - {name: graduating grades only, keep_grades: [6, 9, 12]}
      - {name: kiosks at east, screening: {method: thermal_kiosk, gates: [east]}}
      - {name: three lanes, lanes: 3, spacing: {queue_m: 1.5}, arrivals: {latest: "08:10"}}
      - {name: more staff, set: {"policy.staff_per_lane": 2}}
    phased_return:                  # expands into one what-if per day, grades cumulative
      name: phased return
      days:
        - {day: 1, grades: [9, 12]}
        - {day: 2, grades: [8, 11], school_kinds: [junior_middle, high]}

A broken district file raises :class:`InputError`. A broken *school* does not: it is kept with its
issues and every what-if of it is reported ``invalid`` by the sweep, so one bad file never stops a
district. Each variant (school × what-if) is built with the edits of ``sc.with_*``
(:func:`reopen_sim.scenario.whatif.edit_data`) and validated with
:func:`reopen_sim.scenario.load.scenario_from_dict`, exactly like a file.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reopen_sim.errors import InfeasibleError, InputError, InputIssue
from reopen_sim.scenario.load import (
    _classes_from_roster,
    _deep_merge,
    _loc_to_path,
    _show,
    cross_reference_issues,
    scenario_from_dict,
)
from reopen_sim.scenario.schema import Scenario
from reopen_sim.scenario.whatif import edit_data

SchoolKind = Literal["primary", "junior_middle", "high", "nine_year", "other"]

LARGEST_GATE = "largest"
"""``close_gates: [largest]`` closes each school's entrance with the most lanes (first on ties)."""


_GRADES_RULE = "grades 1-12, at least one"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Screening(_Model):
    """``screening``: a method (its own time) and/or a service time (a number: a lognormal mean)."""

    method: str | None = None
    service_time_s: int | float | dict[str, Any] | None = None  # int first: the value as written
    gates: tuple[str, ...] | None = None


class Lanes(_Model):
    """``lanes``: screening lanes at ``gates`` (all when omitted); staff raised to open them."""

    lanes: int = Field(ge=1)
    gates: tuple[str, ...] | None = None


class Spacing(_Model):
    """``spacing``: queue marker spacing and/or room distancing."""

    queue_m: int | float | None = None
    desk_m: int | float | None = None
    area_per_student_m2: int | float | None = None


class Arrivals(_Model):
    """``arrivals``: another arrival span (``HH:MM``) and/or window length."""

    earliest: str | None = None
    latest: str | None = None
    window_min: int | None = None


class WhatIf(_Model):
    """One what-if, applied to every school through the same validated edits as ``sc.with_*``
    (:func:`reopen_sim.scenario.whatif.edit_data`), in this order:

    - ``keep_grades``: only classes of these grades come (a phased return); schools with none of
      them are ``skipped``, the others keep the grades they have.
    - ``close_gates``: entrance ids to remove, or ``largest`` (the entrance with most lanes).
      Schools with none of the named entrances are ``skipped``. Pins to a closed gate lose their gate.
    - ``screening`` {method, service_time_s, gates}, ``lanes`` n or {lanes, gates}, ``spacing``
      {queue_m, desk_m, area_per_student_m2}, ``arrivals`` {earliest, latest, window_min}: as
      ``with_screening``, ``with_lanes``, ``with_spacing``, ``with_arrivals``; named gates a school
      lacks are left out for it (a school with none of them is ``skipped``).
    - ``every_entrance``: a mapping merged into every (remaining) entrance, e.g. a screening method
      ``{screening_method: thermal_kiosk, service_time_s: {dist: lognormal, mean: 3, sd: 1}}``.
    - ``overrides``: a nested mapping merged into the scenario, e.g. ``{policy: {queue_spacing_m: 1.5}}``.
    - ``set``: ``{dotted path: value}`` as ``with_`` (``entrances[east].lanes: 3``).
    - ``school_kinds``: the what-if applies only to schools of these kinds (others are ``skipped``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1)
    overrides: dict[str, Any] = Field(default_factory=dict)
    every_entrance: dict[str, Any] = Field(default_factory=dict)
    close_gates: tuple[str, ...] = ()
    keep_grades: tuple[int, ...] | None = None
    screening: Screening | None = None
    lanes: int | Lanes | None = None
    spacing: Spacing | None = None
    arrivals: Arrivals | None = None
    set_paths: dict[str, Any] = Field(default_factory=dict, alias="set")
    school_kinds: tuple[SchoolKind, ...] | None = None
    day: int | None = Field(default=None, ge=1)

    @field_validator("keep_grades")
    @classmethod
    def _grades(cls, v: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if v is not None and (not v or any(g < 1 or g > 12 for g in v)):
            raise ValueError(_GRADES_RULE)
        return v

    def edits(self) -> bool:
        """True when the what-if changes anything (or restricts the school kinds)."""
        return bool(
            self.keep_grades
            or self.close_gates
            or self.screening
            or self.lanes
            or self.spacing
            or self.arrivals
            or self.set_paths
            or self.overrides
            or self.every_entrance
            or self.school_kinds
        )

    def named_gates(self) -> list[str]:
        """Gates named by ``screening`` / ``lanes`` (``close_gates`` apart)."""
        out = list(self.screening.gates or ()) if self.screening else []
        if isinstance(self.lanes, Lanes):
            out += list(self.lanes.gates or ())
        return out


class Phase(_Model):
    """A day of a phased return: the grades (and optionally school kinds) that start that day."""

    day: int = Field(ge=1)
    grades: tuple[int, ...] = Field(min_length=1)
    school_kinds: tuple[SchoolKind, ...] | None = None


class PhasedReturn(_Model):
    """DOMAIN: return in phases and batches (分期分批), graduating grades first.

    Grades are cumulative: on day k every grade of days 1..k is in school. School kinds, if given
    on a day, are cumulative too (a school takes part from the first day naming its kind).
    """

    name: str = Field(default="phased return", min_length=1)
    days: tuple[Phase, ...] = Field(min_length=1)

    def what_ifs(self) -> list[WhatIf]:
        out: list[WhatIf] = []
        grades: list[int] = []
        kinds: list[str] | None = []
        for phase in sorted(self.days, key=lambda p: p.day):
            grades += [g for g in phase.grades if g not in grades]
            if phase.school_kinds is None:
                kinds = None
            elif kinds is not None:
                kinds += [k for k in phase.school_kinds if k not in kinds]
            out.append(
                WhatIf(
                    name=f"{self.name} day {phase.day}",
                    keep_grades=tuple(grades),
                    school_kinds=None if kinds is None else tuple(kinds),
                    day=phase.day,
                )
            )
        return out


class _SchoolEntry(_Model):
    name: str | None = Field(default=None, min_length=1)
    path: str | None = None
    scenario: dict[str, Any] | None = None


class _DistrictFile(_Model):
    district: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, Any] = Field(default_factory=dict)
    schools: tuple[_SchoolEntry, ...] = Field(min_length=1)
    what_ifs: tuple[WhatIf, ...] = ()
    phased_return: PhasedReturn | None = None


@dataclass(frozen=True)
class SchoolSource:
    """One school of a district, before validation: its raw scenario mapping (defaults merged in).

    ``issues`` holds what made the school unreadable (missing file, bad YAML); ``raw`` is then None.
    """

    name: str
    file: str
    base_dir: str
    raw: Mapping[str, Any] | None
    issues: tuple[InputIssue, ...] = ()


@dataclass(frozen=True)
class District:
    """Schools and what-ifs to sweep. Build with :func:`load_district` or :func:`generate_district`."""

    name: str
    schools: tuple[SchoolSource, ...]
    what_ifs: tuple[WhatIf, ...] = (WhatIf(name="baseline"),)
    source_path: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def school(self, name: str) -> SchoolSource:
        for s in self.schools:
            if s.name == name:
                return s
        raise KeyError(name)

    def what_if(self, name: str) -> WhatIf:
        for w in self.what_ifs:
            if w.name == name:
                return w
        raise KeyError(name)


class WhatIfSkipped(Exception):
    """The what-if does not concern this school (no such grade, gate or school kind)."""


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _read_yaml(p: Path, what: str) -> tuple[Any, list[InputIssue]]:
    """YAML content of ``p``, or the issue that stops reading it (named like the scenario loader)."""
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return None, [InputIssue(str(p), "", "", f"an existing {what} file", key=f"district_{what}_file")]
    except IsADirectoryError:
        return None, [
            InputIssue(str(p), "", "", f"a {what} file, not a folder", key=f"district_{what}_folder")
        ]
    except UnicodeDecodeError:
        return None, [InputIssue(str(p), "", "", "a UTF-8 encoded YAML file", key="district_utf8")]
    try:
        return yaml.safe_load(text), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [
            InputIssue(
                str(p), where, "", f"valid YAML ({problem})", key="district_yaml", fields={"problem": problem}
            )
        ]


def _school_name(raw: Any, fallback: str) -> str:
    if isinstance(raw, Mapping):
        school = raw.get("school")
        if isinstance(school, Mapping) and isinstance(school.get("name"), str) and school["name"].strip():
            return str(school["name"]).strip()
    return fallback


def make_school(
    name: str | None,
    raw: Mapping[str, Any] | None,
    file: str,
    base_dir: str | Path = ".",
    defaults: Mapping[str, Any] | None = None,
    issues: tuple[InputIssue, ...] = (),
) -> SchoolSource:
    """A district school from a raw scenario mapping; ``defaults`` go under it (the school wins)."""
    if raw is not None and not isinstance(raw, Mapping):
        issues = (
            *issues,
            InputIssue(
                file,
                "",
                _show(raw),
                "a YAML mapping with school, day, classes, entrances, rooms",
                key="district_school_mapping",
            ),
        )
        raw = None
    merged = None if raw is None else _deep_merge(dict(defaults or {}), raw)
    return SchoolSource(
        name=name or _school_name(raw, Path(file).stem),
        file=file,
        base_dir=str(base_dir),
        raw=merged,
        issues=tuple(issues),
    )


# pydantic error type -> (catalogue key, English sentence); sentences take ``{bound}`` / ``{choices}``.
_SCHEMA_SENTENCES: dict[str, tuple[str, str]] = {
    "extra_forbidden": ("district_no_such_field", "no such field"),
    "missing": ("district_required", "this field (it is required)"),
    "too_short": ("district_too_short", "at least {bound} item(s)"),
    "string_too_short": ("district_text", "non-empty text"),
    "string_type": ("district_text", "non-empty text"),
    "greater_than_equal": ("district_at_least", "a number >= {bound}"),
    "int_parsing": ("district_whole_number", "a whole number"),
    "int_type": ("district_whole_number", "a whole number"),
    "int_from_float": ("district_whole_number", "a whole number"),
    "tuple_type": ("district_list", "a list"),
    "list_type": ("district_list", "a list"),
    "dict_type": ("district_mapping_value", "a mapping of key: value"),
    "model_type": ("district_mapping_value", "a mapping of key: value"),
    "model_attributes_type": ("district_mapping_value", "a mapping of key: value"),
    "literal_error": ("one_of", "one of {choices}"),
}


def _schema_issue(file: str, err: Any) -> InputIssue:
    """One pydantic error of the district file as a translatable issue."""
    kind = err["type"]
    value = "" if kind == "missing" else _show(err.get("input", ""))
    msg = str(err["msg"]).removeprefix("Value error, ")
    ctx = err.get("ctx") or {}
    path = _loc_to_path(tuple(err["loc"]))
    if msg == _GRADES_RULE:
        return InputIssue(file, path, value, msg, key="district_grades_rule")
    if kind in _SCHEMA_SENTENCES:
        key, sentence = _SCHEMA_SENTENCES[kind]
        fields = {
            "bound": ctx.get("min_length", ctx.get("ge", "")),
            "choices": str(ctx.get("expected", "")).replace("'", ""),
        }
        fields = {k: v for k, v in fields.items() if "{" + k + "}" in sentence}
        return InputIssue(file, path, value, sentence.format(**fields), key=key, fields=fields)
    return InputIssue(file, path, value, msg, key="district_value", fields={"detail": msg})


def district_from_dict(data: Any, file: str = "<district>", base_dir: str | Path = ".") -> District:
    """Validate a district given as a mapping (the content of a district YAML)."""
    if not isinstance(data, Mapping):
        raise InputError(
            [
                InputIssue(
                    file, "", _show(data), "a YAML mapping with schools and what_ifs", key="district_mapping"
                )
            ]
        )
    try:
        spec = _DistrictFile.model_validate(data)
    except ValidationError as exc:
        bad = [_schema_issue(file, err) for err in exc.errors()]
        raise InputError(bad) from None

    issues: list[InputIssue] = []
    schools: list[SchoolSource] = []
    base = Path(base_dir)
    for i, entry in enumerate(spec.schools):
        if (entry.path is None) == (entry.scenario is None):
            issues.append(
                InputIssue(
                    file,
                    f"schools[{i}]",
                    _show(entry.model_dump(exclude_none=True)),
                    "either path (a scenario file) or scenario (inline), not both",
                    key="district_path_or_scenario",
                )
            )
            continue
        if entry.path is not None:
            p = Path(entry.path)
            if not p.is_absolute():
                p = base / p
            raw, read_issues = _read_yaml(p, "scenario")
            schools.append(make_school(entry.name, raw, str(p), p.parent, spec.defaults, tuple(read_issues)))
        else:
            label = f"{file}: schools[{i}].scenario"
            schools.append(make_school(entry.name, entry.scenario, label, base, spec.defaults))
    names = [s.name for s in schools]
    for i, n in enumerate(names):
        if names.index(n) != i:
            issues.append(
                InputIssue(
                    file,
                    f"schools[{i}]",
                    n,
                    "a unique school name (add name: to tell them apart)",
                    key="district_unique_school",
                )
            )

    what_ifs = list(spec.what_ifs) or [WhatIf(name="baseline")]
    if spec.phased_return is not None:
        what_ifs += spec.phased_return.what_ifs()
    wnames = [w.name for w in what_ifs]
    for i, n in enumerate(wnames):
        if wnames.index(n) != i:
            issues.append(
                InputIssue(file, "what_ifs", n, "a unique what-if name", key="district_unique_what_if")
            )
    if issues:
        raise InputError(issues)
    return District(
        name=spec.district.get("name", Path(file).stem),
        schools=tuple(schools),
        what_ifs=tuple(what_ifs),
        source_path=file,
    )


def load_district(path: str | Path) -> District:
    """Load a district file. Raises :class:`InputError` for a broken district file (not a broken school)."""
    p = Path(path)
    data, issues = _read_yaml(p, "district")
    if issues:
        raise InputError(issues)
    return district_from_dict(data, file=str(p), base_dir=p.parent)


# --------------------------------------------------------------------------------------------
# Building a variant (school × what-if)
# --------------------------------------------------------------------------------------------


def _validate(data: Mapping[str, Any], file: str, base_dir: str) -> Scenario:
    return scenario_from_dict(data, file=file, base_dir=base_dir)


def is_impossibility(data: Mapping[str, Any], base_dir: str) -> bool:
    """True when ``data`` is well formed (schema and references) but no plan can fit it.

    The scenario loader reports both kinds as :class:`InputError`; a district report separates
    "the file is wrong" (``invalid``) from "the school cannot fit" (``infeasible``).
    """
    d = dict(data)
    if "roster" in d:
        roster = d.pop("roster")
        if not isinstance(roster, str) or "classes" in d:
            return False
        rpath = Path(roster) if Path(roster).is_absolute() else Path(base_dir) / roster
        try:
            classes, _origins, roster_issues = _classes_from_roster(rpath)
        except (InputError, OSError):
            return False
        if roster_issues:
            return False
        d["classes"] = classes
    try:
        sc = Scenario.model_validate(d)
    except ValidationError:
        return False
    return not cross_reference_issues(sc, "")


def _school_grades(data: Mapping[str, Any], grades: tuple[int, ...]) -> list[int]:
    """The grades of ``grades`` this school has; skipped when it has none."""
    have = sorted({c["grade"] for c in data["classes"]})
    kept = [g for g in grades if g in have]
    if not kept:
        raise WhatIfSkipped(f"no class of grades {sorted(set(grades))} at this school (grades {have})")
    return kept


def _school_gates(data: Mapping[str, Any], gates: tuple[str, ...]) -> list[str]:
    """The entrances ``close_gates`` closes at this school (``largest`` resolved); skipped when none."""
    entrances = data["entrances"]
    ids = [e["id"] for e in entrances]
    closed: list[str] = []
    for g in gates:
        if g == LARGEST_GATE:
            g = max(entrances, key=lambda e: e["lanes"])["id"]  # first on ties
        if g in ids and g not in closed:
            closed.append(g)
    if not closed:
        raise WhatIfSkipped(f"no entrance {', '.join(gates)} at this school (entrances {', '.join(ids)})")
    return closed


def _gates_here(data: Mapping[str, Any], gates: tuple[str, ...] | None) -> list[str] | None:
    """Named gates this school has (None = all); skipped when it has none of them."""
    if gates is None:
        return None
    ids = [e["id"] for e in data["entrances"]]
    here = [g for g in gates if g in ids]
    if not here:
        raise WhatIfSkipped(f"no entrance {', '.join(gates)} at this school (entrances {', '.join(ids)})")
    return here


def school_spec(what_if: WhatIf, data: Mapping[str, Any]) -> dict[str, Any]:
    """``what_if`` as an :func:`reopen_sim.scenario.whatif.apply_what_if` spec for one school
    (``data``): grades and gates it lacks left out. Raises :class:`WhatIfSkipped` when the what-if
    does not concern the school and :class:`InfeasibleError` when it closes every gate."""
    spec: dict[str, Any] = {}
    if what_if.keep_grades is not None:
        spec["grades"] = _school_grades(data, what_if.keep_grades)
    if what_if.close_gates:
        spec["close_gates"] = closed = _school_gates(data, what_if.close_gates)
        if len(closed) == len(data["entrances"]):
            raise InfeasibleError(
                [f"closing {', '.join(closed)} leaves this school without an entrance"], status="NO_ENTRANCE"
            )
    if what_if.screening is not None:
        sc = what_if.screening
        gates = _gates_here(data, sc.gates)
        spec["screening"] = {"method": sc.method, "service_time_s": sc.service_time_s, "gates": gates}
    if isinstance(what_if.lanes, Lanes):
        spec["lanes"] = {"lanes": what_if.lanes.lanes, "gates": _gates_here(data, what_if.lanes.gates)}
    elif what_if.lanes is not None:
        spec["lanes"] = what_if.lanes
    if what_if.spacing is not None:
        spec["spacing"] = what_if.spacing.model_dump()
    if what_if.arrivals is not None:
        spec["arrivals"] = what_if.arrivals.model_dump()
    for key, value in (
        ("every_entrance", what_if.every_entrance),
        ("overrides", what_if.overrides),
        ("set", what_if.set_paths),
    ):
        if value:
            spec[key] = copy.deepcopy(value)
    return spec


def variant_mapping(school: SchoolSource, what_if: WhatIf) -> tuple[dict[str, Any], str]:
    """The raw scenario mapping of ``school`` under ``what_if`` and its label for error messages.

    The school is validated, written out as a file would be, and edited by
    :func:`reopen_sim.scenario.whatif.edit_data` (the edits of ``sc.with_*``) with the spec of
    :func:`school_spec`. Raises :class:`InputError` when the school itself is broken or an edit is
    refused, :class:`WhatIfSkipped` when the what-if does not concern the school and
    :class:`InfeasibleError` when it closes every gate.
    """
    if school.raw is None:
        raise InputError(school.issues)
    if not what_if.edits():
        return copy.deepcopy(dict(school.raw)), school.file
    base = _validate(school.raw, school.file, school.base_dir)
    if what_if.school_kinds is not None and base.school.kind not in what_if.school_kinds:
        raise WhatIfSkipped(
            f"the what-if is for {', '.join(what_if.school_kinds)} schools; this is {base.school.kind}"
        )
    data: dict[str, Any] = base.model_dump(mode="json")  # a roster is resolved into classes here
    label = f"{school.file} (what-if {what_if.name!r})"
    return edit_data(data, school_spec(what_if, data), label), label


def build_variant(school: SchoolSource, what_if: WhatIf) -> Scenario:
    """The validated scenario of ``school`` under ``what_if`` (see :func:`variant_mapping`)."""
    data, label = variant_mapping(school, what_if)
    return _validate(data, label, school.base_dir)


# --------------------------------------------------------------------------------------------
# What-ifs that name nothing real
# --------------------------------------------------------------------------------------------


def _label(what_if: WhatIf) -> str:
    return f"what-if {what_if.name!r}"


def _names_issues(district: District, bases: list[Scenario]) -> list[InputIssue]:
    """Gates, grades and school kinds a what-if names that no school of the district has."""
    file = district.source_path or f"district {district.name!r}"
    gates = sorted({e.id for sc in bases for e in sc.entrances})
    grades = sorted({c.grade for sc in bases for c in sc.classes})
    kinds = sorted({sc.school.kind for sc in bases})
    issues: list[InputIssue] = []
    for w in district.what_ifs:
        for g in w.named_gates():
            if g not in gates:
                issues.append(
                    InputIssue(
                        file,
                        f"{_label(w)}: {'screening' if w.screening and g in (w.screening.gates or ()) else 'lanes'}.gates",
                        g,
                        f"an entrance id of one of the schools ({', '.join(gates)})",
                        key="district_entrance",
                        fields={"gates": ", ".join(gates)},
                    )
                )
        for g in w.close_gates:
            if g != LARGEST_GATE and g not in gates:
                issues.append(
                    InputIssue(
                        file,
                        f"{_label(w)}: close_gates",
                        g,
                        f"an entrance id of one of the schools ({', '.join(gates)}) or {LARGEST_GATE}",
                        key="district_gate",
                        fields={"gates": ", ".join(gates), "largest": LARGEST_GATE},
                    )
                )
        if w.keep_grades is not None and not set(w.keep_grades) & set(grades):
            issues.append(
                InputIssue(
                    file,
                    f"{_label(w)}: keep_grades",
                    ", ".join(map(str, w.keep_grades)),
                    f"a grade that some school has (grades {', '.join(map(str, grades))})",
                    key="district_grades",
                    fields={"grades": ", ".join(map(str, grades))},
                )
            )
        if w.school_kinds is not None and not set(w.school_kinds) & set(kinds):
            issues.append(
                InputIssue(
                    file,
                    f"{_label(w)}: school_kinds",
                    ", ".join(w.school_kinds),
                    f"a kind of school the district has ({', '.join(kinds)})",
                    key="district_kinds",
                    fields={"kinds": ", ".join(kinds)},
                )
            )
    return issues


def _in_district(district: District, what_if: WhatIf, school: SchoolSource, issue: InputIssue) -> InputIssue:
    """An issue of a school's variant restated as the district file's: its what-if and the school."""
    file = district.source_path or f"district {district.name!r}"
    where = f"{_label(what_if)} ({school.name}): {issue.path}".rstrip(": ")
    return replace(issue, file=file, path=where, path_key=None)


def _edit_issues(district: District, valid: list[SchoolSource]) -> list[InputIssue]:
    """What the edits of each what-if (screening, lanes, spacing, arrivals, set, overrides,
    every_entrance) break in the first school they concern.

    A school that is fine on its own but not under the what-if was broken by the what-if (an unknown
    field, a bad value, a refused edit): that is the district file's mistake, not the school's; the
    issue names the district file, the what-if and the school. A what-if that only makes a school
    impossible to fit is no mistake (the sweep reports it as ``infeasible``).
    """
    issues: list[InputIssue] = []
    for w in district.what_ifs:
        if not (
            w.overrides
            or w.every_entrance
            or w.screening
            or w.lanes
            or w.spacing
            or w.arrivals
            or w.set_paths
        ):
            continue
        for school in valid:
            data: dict[str, Any] | None = None
            try:
                data, label = variant_mapping(school, w)
                _validate(data, label, school.base_dir)
            except (WhatIfSkipped, InfeasibleError):
                continue
            except InputError as exc:
                if data is None or not is_impossibility(data, school.base_dir):
                    issues.extend(_in_district(district, w, school, i) for i in exc.issues)
            break
    return issues


def check_what_ifs(district: District) -> None:
    """Raise :class:`InputError` for a what-if that names nothing real (exit 2, before any work).

    - ``close_gates``: a gate id (other than ``largest``) that no school of the district has;
    - ``keep_grades`` / ``school_kinds``: none of the grades / kinds exists in any school (the
      what-if would concern no school); a grade some schools lack is fine (they are ``skipped``);
    - ``overrides`` / ``every_entrance``: a field or value that breaks a school which is valid on
      its own (the message names the school's file, the what-if, the field and the value).

    Schools whose own file is broken are left out of these checks (the sweep reports them
    ``invalid``); with none valid, nothing is checked.
    """
    valid: list[SchoolSource] = []
    bases: list[Scenario] = []
    for school in district.schools:
        if school.raw is None:
            continue
        try:
            bases.append(_validate(school.raw, school.file, school.base_dir))
        except InputError:
            continue
        valid.append(school)
    if not bases:
        return
    issues = _names_issues(district, bases) + _edit_issues(district, valid)
    if issues:
        raise InputError(issues)
