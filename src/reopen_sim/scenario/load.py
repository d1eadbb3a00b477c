"""Loading a scenario: YAML (+ roster CSV/XLSX), validated once, every error of a file reported at once."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario, StudentGroup, format_hhmm

# Roster headers we accept, lower-cased; Chinese headers as schools keep them (年级, 班级, 人数, 住宿).
_ROSTER_ALIASES: dict[str, str] = {
    "grade": "grade",
    "年级": "grade",
    "class": "class",
    "班级": "class",
    "班": "class",
    "students": "students",
    "人数": "students",
    "学生数": "students",
    "boarding": "boarding",
    "住宿": "boarding",
    "寄宿": "boarding",
    "class_id": "class_id",
    "building": "building",
    "floor": "floor",
    "home_room": "home_room",
}
_ROSTER_REQUIRED = ("grade", "class", "students")


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: …" for k in list(value)[:4]) + "}"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _expected(err: Mapping[str, Any], model_fields: list[str] | None) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return "no such field" + (f" (known fields: {', '.join(model_fields)})" if model_fields else "")
    if kind == "missing":
        return "this field (it is required)"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[
            kind
        ]
        bound = next(iter(ctx.values())) if ctx else "?"
        return f"a number {sign} {bound}"
    if kind == "union_tag_invalid" or kind == "union_tag_not_found":
        return "dist: one of exponential, lognormal, deterministic, empirical"
    simple = {
        "int_parsing": "a whole number",
        "int_type": "a whole number",
        "int_from_float": "a whole number",
        "float_parsing": "a number",
        "float_type": "a number",
        "bool_parsing": "true or false",
        "bool_type": "true or false",
        "string_type": "text",
        "dict_type": "a mapping of key: value",
        "model_type": "a mapping of key: value",
        "tuple_type": "a list",
        "list_type": "a list",
        "too_short": f"at least {ctx.get('min_length', 1)} item(s)",
        "too_long": f"at most {ctx.get('max_length', '?')} item(s)",
        "string_too_short": "non-empty text",
        "string_pattern_mismatch": "an id of letters, digits, '-', '_' or '.'",
    }
    if kind in simple:
        return simple[kind]
    if kind == "literal_error":
        return "one of " + str(ctx.get("expected", ""))
    if kind == "enum":
        return "one of " + str(ctx.get("expected", ""))
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Input should be "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg


def _fields_at(loc: tuple[Any, ...]) -> list[str] | None:
    """Known field names of the model at ``loc`` minus its last part (for unknown-key errors)."""
    from pydantic import BaseModel

    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        ann = field.annotation
        candidates = [ann, *getattr(ann, "__args__", ())]
        nxt = None
        for c in candidates:
            for inner in [c, *getattr(c, "__args__", ())]:
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    nxt = inner
                    break
            if nxt:
                break
        if nxt is None:
            return None
        model = nxt
    fields = getattr(model, "model_fields", None)
    if not fields:
        return None
    return [k for k, f in fields.items() if not f.exclude]


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in override.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


# --------------------------------------------------------------------------------------------
# Roster
# --------------------------------------------------------------------------------------------


def _roster_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a roster file as (spreadsheet line, {canonical column: text}).

    Read with csv/openpyxl rather than pandas so that every cell keeps its text and its line number
    for error messages, and nothing is coerced silently (a grade of "7.0" is not quietly 7).
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        reader = csv.reader(io.StringIO(text))
        table = [row for row in reader]
    elif suffix in (".xlsx", ".xlsm"):
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        table = []
        for r in ws.iter_rows(values_only=True):
            table.append(
                [
                    "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                    for v in r
                ]
            )
        wb.close()
    else:
        raise InputError([InputIssue(str(path), "", path.suffix, "a roster ending .csv or .xlsx")])
    if not table:
        raise InputError(
            [InputIssue(str(path), "header", "", "a header row: grade, class, students, boarding")]
        )
    header = [h.strip().lower() for h in table[0]]
    cols: dict[int, str] = {}
    issues = []
    for j, h in enumerate(header):
        if not h:
            continue
        if h in _ROSTER_ALIASES:
            cols[j] = _ROSTER_ALIASES[h]
        else:
            issues.append(
                InputIssue(
                    str(path),
                    f"header, column {j + 1}",
                    h,
                    "one of " + ", ".join(sorted(set(_ROSTER_ALIASES.values()))),
                )
            )
    for need in _ROSTER_REQUIRED:
        if need not in cols.values():
            issues.append(InputIssue(str(path), "header", ",".join(header), f"a column '{need}'"))
    if issues:
        raise InputError(issues)
    out = []
    for i, row in enumerate(table[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        out.append((i, {name: (row[j].strip() if j < len(row) else "") for j, name in cols.items()}))
    return out


def _classes_from_roster(path: Path) -> tuple[list[dict[str, Any]], list[str], list[InputIssue]]:
    """Roster rows -> class dicts, their origin labels (for error paths), and cell issues."""
    from reopen_sim.plan import parse_bool

    classes: list[dict[str, Any]] = []
    origins: list[str] = []
    issues: list[InputIssue] = []
    for line, row in _roster_rows(path):
        bad = len(issues)
        item: dict[str, Any] = {}
        for key, expected in (
            ("grade", "a whole number (grade 1-12)"),
            ("students", "a whole number of students"),
        ):
            try:
                item[key] = int(row[key])
            except ValueError:
                issues.append(InputIssue(str(path), f"line {line}, column {key}", row[key], expected))
        if row.get("boarding", ""):
            try:
                item["boarding"] = parse_bool(row["boarding"])
            except ValueError:
                issues.append(
                    InputIssue(str(path), f"line {line}, column boarding", row["boarding"], "yes or no")
                )
        if row.get("floor", ""):
            try:
                item["floor"] = int(row["floor"])
            except ValueError:
                issues.append(
                    InputIssue(str(path), f"line {line}, column floor", row["floor"], "a whole number")
                )
        for key in ("building", "home_room"):
            if row.get(key, ""):
                item[key] = row[key]
        cname = row["class"]
        if not cname:
            issues.append(InputIssue(str(path), f"line {line}, column class", "", "a class name or number"))
        if len(issues) > bad:
            continue
        item["id"] = row.get("class_id") or f"{item['grade']}-{cname}"
        classes.append(item)
        origins.append(f"{path}: line {line}")
    return classes, origins, issues


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file. Raises :class:`InputError` listing every problem found.

    ``overrides`` (a nested mapping) is merged into the file's content before validation; a what-if
    such as ``{"policy": {"queue_spacing_m": 1.5}}`` is validated exactly like the file itself.
    """
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):  # a school workbook (scenario/workbook.py)
        from reopen_sim.scenario.workbook import load_workbook_scenario

        return load_workbook_scenario(p, overrides)
    try:
        raw_bytes = p.read_bytes()
    except FileNotFoundError:
        raise InputError([InputIssue(str(p), "", "", "an existing scenario file")]) from None
    except IsADirectoryError:
        raise InputError([InputIssue(str(p), "", "", "a scenario file, not a folder")]) from None
    try:
        data = yaml.safe_load(raw_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError([InputIssue(str(p), "", "", "a UTF-8 encoded YAML file")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError([InputIssue(str(p), where, "", f"valid YAML ({problem})")]) from None
    if not isinstance(data, dict):
        raise InputError(
            [
                InputIssue(
                    str(p), "", _show(data), "a YAML mapping with school, day, classes, entrances, rooms"
                )
            ]
        )
    if overrides:
        data = _deep_merge(data, overrides)
    digest = hashlib.sha256(raw_bytes).hexdigest()
    return scenario_from_dict(data, file=str(p), base_dir=p.parent, sha256=digest)


def scenario_from_dict(
    data: Mapping[str, Any],
    file: str = "<scenario>",
    base_dir: str | Path | None = None,
    sha256: str | None = None,
) -> Scenario:
    """Validate a scenario given as a mapping (the content of a scenario YAML)."""
    data = dict(data)
    issues: list[InputIssue] = []
    origins: list[str] | None = None
    if "roster" in data:
        roster = data.pop("roster")
        if "classes" in data:
            issues.append(InputIssue(file, "roster", str(roster), "either roster or classes, not both"))
        elif not isinstance(roster, str):
            issues.append(InputIssue(file, "roster", _show(roster), "a path to a .csv or .xlsx roster"))
        else:
            rpath = Path(roster)
            if not rpath.is_absolute():
                rpath = Path(base_dir or ".") / rpath
            if not rpath.exists():
                issues.append(
                    InputIssue(file, "roster", roster, f"an existing roster file (looked for {rpath})")
                )
            else:
                try:
                    classes, origins, roster_issues = _classes_from_roster(rpath)
                except InputError as e:
                    issues.extend(e.issues)
                    classes, roster_issues = [], []
                issues.extend(roster_issues)
                data["classes"] = classes
    if issues:
        raise InputError(issues)

    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        deeper = {tuple(e["loc"])[:n] for e in errors for n in range(1, len(e["loc"]))}
        for err in errors:
            loc = tuple(err["loc"])
            # A list whose items failed is also reported "too short" by pydantic: say it once.
            if err["type"] == "too_short" and loc in deeper:
                continue
            # Drop the discriminator tag pydantic inserts into union locations.
            loc = tuple(x for x in loc if x not in ("exponential", "lognormal", "deterministic", "empirical"))
            path = _loc_to_path(loc)
            if (
                origins
                and len(loc) >= 2
                and loc[0] == "classes"
                and isinstance(loc[1], int)
                and loc[1] < len(origins)
            ):
                path = f"{origins[loc[1]]} ({path})"
            raw_value = err.get("input", "")
            # A rule across several fields (a model validator) names them in its message.
            value = "" if err["type"] == "missing" or isinstance(raw_value, dict) else _show(raw_value)
            issues.append(InputIssue(file, path, value, _expected(err, _fields_at(loc))))
        raise InputError(issues) from None

    issues.extend(cross_reference_issues(sc, file, origins))
    if not issues:
        issues.extend(impossibility_issues(sc, file))
    if issues:
        raise InputError(issues)
    return sc.model_copy(update={"source_path": file, "source_sha256": sha256})


# --------------------------------------------------------------------------------------------
# Checks beyond the schema
# --------------------------------------------------------------------------------------------


def _duplicates(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    dup: list[str] = []
    for i in ids:
        if i in seen and i not in dup:
            dup.append(i)
        seen.add(i)
    return dup


def cross_reference_issues(sc: Scenario, file: str, origins: list[str] | None = None) -> list[InputIssue]:
    """Broken references between parts of a scenario (ids that do not exist, ids used twice)."""
    out: list[InputIssue] = []
    for kind, ids in (
        ("classes", [c.id for c in sc.classes]),
        ("entrances", [e.id for e in sc.entrances]),
        ("rooms", [r.id for r in sc.rooms]),
    ):
        for d in _duplicates(ids):
            out.append(
                InputIssue(file, f"{kind}[{ids.index(d)}].id", d, f"a unique id (used twice in {kind})")
            )
    class_ids = {c.id for c in sc.classes}
    gate_ids = {e.id for e in sc.entrances}
    room_ids = {r.id for r in sc.rooms}
    buildings = {r.building for r in sc.rooms}

    def cpath(i: int, field: str) -> str:
        if origins and i < len(origins):
            return f"{origins[i]} (classes[{i}].{field})"
        return f"classes[{i}].{field}"

    for i, c in enumerate(sc.classes):
        if c.home_room is not None and c.home_room not in room_ids:
            out.append(InputIssue(file, cpath(i, "home_room"), c.home_room, "the id of a room in rooms"))
    for i, e in enumerate(sc.entrances):
        for b in e.walk_m:
            if b not in buildings:
                out.append(
                    InputIssue(
                        file,
                        f"entrances[{i}].walk_m",
                        b,
                        "a building named by some room (" + ", ".join(sorted(buildings)) + ")",
                    )
                )
        if e.node is not None:
            nodes = {x for edge in (sc.campus.edges if sc.campus else ()) for x in (edge.a, edge.b)}
            if e.node not in nodes:
                out.append(InputIssue(file, f"entrances[{i}].node", e.node, "a node of campus.edges"))
    n_win = sc.day.n_windows
    for i, pin in enumerate(sc.pins):
        if pin.class_id not in class_ids:
            out.append(InputIssue(file, f"pins[{i}].class_id", pin.class_id, "the id of a class"))
            continue
        cls = sc.class_by_id(pin.class_id)
        if pin.gate is not None:
            if pin.gate not in gate_ids:
                out.append(
                    InputIssue(
                        file,
                        f"pins[{i}].gate",
                        pin.gate,
                        "the id of an entrance (" + ", ".join(sorted(gate_ids)) + ")",
                    )
                )
            elif not sc.entrance_allows(sc.entrance_by_id(pin.gate), cls):
                grp = "boarders" if cls.boarding else "day students"
                out.append(
                    InputIssue(
                        file, f"pins[{i}].gate", pin.gate, f"an entrance open to {grp} (class {cls.id})"
                    )
                )
        for r in pin.rooms or ():
            if r not in room_ids:
                out.append(InputIssue(file, f"pins[{i}].rooms", r, "the id of a room in rooms"))
        if pin.window_at is not None:
            off = pin.window_at - sc.day.earliest_arrival_at
            if off < 0 or off % sc.day.window_min or off // sc.day.window_min >= n_win:
                starts = [format_hhmm(sc.day.window_start_min(w)) for w in range(n_win)]
                out.append(
                    InputIssue(
                        file,
                        f"pins[{i}].window_at",
                        format_hhmm(pin.window_at),
                        "a window start: " + ", ".join(starts),
                    )
                )
        if pin.canteen_sitting is not None:
            if sc.canteen.mode != "sittings":
                out.append(
                    InputIssue(
                        file,
                        f"pins[{i}].canteen_sitting",
                        str(pin.canteen_sitting),
                        "no sitting (meals are delivered)",
                    )
                )
            elif pin.canteen_sitting > sc.canteen.max_sittings:
                out.append(
                    InputIssue(
                        file,
                        f"pins[{i}].canteen_sitting",
                        str(pin.canteen_sitting),
                        f"a sitting 1..{sc.canteen.max_sittings}",
                    )
                )
        if pin.dismissal_at is not None:
            off = pin.dismissal_at - sc.day.dismissal_start_at
            if (
                off < 0
                or off % sc.day.dismissal_gap_min
                or off // sc.day.dismissal_gap_min >= sc.day.dismissal_slots
            ):
                out.append(
                    InputIssue(
                        file,
                        f"pins[{i}].dismissal_at",
                        format_hhmm(pin.dismissal_at),
                        "a dismissal slot time",
                    )
                )
    for i, g in enumerate(sc.groups):
        for cid in g.classes:
            if cid not in class_ids:
                out.append(InputIssue(file, f"groups[{i}].classes", cid, "the id of a class"))
    grades = set(sc.grades)
    for name in ("arrival_order", "dismissal_order"):
        for j, group in enumerate(getattr(sc.policy, name)):
            for g in group:
                if g not in grades:
                    out.append(
                        InputIssue(
                            file,
                            f"policy.{name}[{j}]",
                            str(g),
                            "a grade that has classes (" + ", ".join(map(str, sorted(grades))) + ")",
                        )
                    )
    return out


def impossibility_issues(sc: Scenario, file: str) -> list[InputIssue]:
    """Facts that make every plan impossible, with the numbers and what would relax them."""
    out: list[InputIssue] = []
    pol = sc.policy
    caps = cap.room_capacities(sc)
    ordered = sorted(caps.values(), reverse=True)
    largest = ordered[0] if ordered else 0
    k = cap.max_rooms_per_class(pol)
    best_k = sum(ordered[:k])
    for i, c in enumerate(sc.classes):
        if c.students > best_k:
            if pol.allow_split_classes:
                exp = (
                    f"at most {best_k} students: the {k} largest rooms hold {best_k} under the distancing rule; "
                    "add rooms, allow more rooms per class (policy.max_rooms_per_class) or relax the spacing"
                )
            else:
                room = max(caps, key=lambda r: caps[r])
                exp = (
                    f"at most {largest} students: the largest room ({room}) holds {largest} under the distancing "
                    "rule and splitting is off; set policy.allow_split_classes: true or add a larger room"
                )
            out.append(InputIssue(file, f"classes[{i}].students", str(c.students), exp))
    needed = cap.rooms_needed_per_class(sc)
    if all(n is not None for n in needed) and sum(n or 0 for n in needed) > len(sc.rooms):
        n_split = sum(1 for n in needed if n and n > 1)
        out.append(
            InputIssue(
                file,
                "rooms",
                f"{len(sc.rooms)} rooms",
                f"at least {sum(n or 0 for n in needed)} rooms: one per class ({len(sc.classes)} classes), "
                f"plus one more for each of the {n_split} classes too large for any single room",
            )
        )
    total_cap = sum(caps.values())
    if sc.n_students > total_cap:
        out.append(
            InputIssue(
                file,
                "rooms",
                f"{total_cap} distanced seats",
                f"room for all {sc.n_students} students; add rooms or relax the spacing",
            )
        )

    zero = [e for e in sc.entrances if cap.open_lanes(e, pol.staff_per_lane) == 0]
    for e in zero:
        i = sc.entrances.index(e)
        out.append(
            InputIssue(
                file,
                f"entrances[{i}].staff",
                str(e.staff),
                f"at least {pol.staff_per_lane} staff to open one lane",
            )
        )
    n_win = sc.day.n_windows
    span = f"{format_hhmm(sc.day.earliest_arrival_at)}–{format_hhmm(sc.day.latest_arrival_at)}"
    groups: list[tuple[str, list[Any]]] = [("students", list(sc.classes))]
    if any(c.boarding for c in sc.classes) and any(e.open_to != StudentGroup.ALL for e in sc.entrances):
        groups += [
            ("boarders", [c for c in sc.classes if c.boarding]),
            ("day students", [c for c in sc.classes if not c.boarding]),
        ]
    for label, members in groups:
        if not members:
            continue
        gates = (
            [e for e in sc.entrances if sc.entrance_allows(e, members[0])]
            if label != "students"
            else list(sc.entrances)
        )
        need = sum(c.students for c in members)
        if not gates:
            out.append(InputIssue(file, "entrances", "none", f"an entrance open to {label}"))
            continue
        per_window = sum(cap.gate_window_capacity(e, pol, sc.day.window_min) for e in gates)
        can = per_window * n_win
        if need > can:
            names = ", ".join(e.id for e in gates)
            out.append(
                InputIssue(
                    file,
                    "day.latest_arrival_at",
                    format_hhmm(sc.day.latest_arrival_at),
                    f"time for all {need} {label}: gates {names} screen at most {can} between {span} at "
                    f"{pol.target_utilisation:.0%} load ({per_window} a window); add lanes, open later "
                    f"windows or speed up screening",
                )
            )
    for name in ("arrival_order",):
        groups_n = len(getattr(pol, name))
        if groups_n > n_win:
            out.append(
                InputIssue(
                    file,
                    f"policy.{name}",
                    f"{groups_n} groups",
                    f"at most {n_win} groups, one window each ({span})",
                )
            )
    if len(pol.dismissal_order) > sc.day.dismissal_slots:
        out.append(
            InputIssue(
                file,
                "policy.dismissal_order",
                f"{len(pol.dismissal_order)} groups",
                f"at most {sc.day.dismissal_slots} groups (day.dismissal_slots)",
            )
        )
    if sc.canteen.mode == "sittings":
        seats = cap.canteen_capacity(sc.canteen)
        if any(c.students > seats for c in sc.classes):
            out.append(
                InputIssue(
                    file,
                    "canteen.tables",
                    str(sc.canteen.tables),
                    f"room for a whole class in one sitting ({seats} distanced seats)",
                )
            )
        if sc.n_students > seats * sc.canteen.max_sittings:
            need = math.ceil(sc.n_students / max(seats, 1))
            out.append(
                InputIssue(
                    file,
                    "canteen.max_sittings",
                    str(sc.canteen.max_sittings),
                    f"at least {need} sittings for {sc.n_students} students at {seats} distanced seats a sitting",
                )
            )
    return out
