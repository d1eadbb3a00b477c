"""Reading the school workbook into a Scenario; every problem names sheet, row and column header.

Each cell is read by its column's kind (whole number, number, time, yes/no, choice, ...) and checked
against the bounds the schema gives, so a bad cell is reported as the user sees it
(``入口，第 4 行，通道数 lanes: got 'abc'; expected a whole number from 1 to 40``). The cells are then
assembled into the same mapping a scenario YAML holds and validated by
:func:`reopen_sim.scenario.build.scenario_from_dict`; the locations of its issues
(``entrances[2].lanes``) are mapped back to the sheet, row and header they came from.

Rules: blank rows and blank cells are skipped (a blank cell means the default); sheets the tool
does not know are ignored (keep your own notes there); a column whose header starts with 备注, 说明,
note or ``#`` is the user's and is ignored; any other unknown column or form label is an error.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.scenario.build import scenario_from_dict
from reopen_sim.scenario.schema import Deterministic, Empirical, Exponential, LogNormal, Scenario
from reopen_sim.scenario.setting_names import workbook_format
from reopen_sim.scenario.workbook_layout import (
    CHOICES,
    FALSE_WORDS,
    PARTS,
    TRUE_WORDS,
    Column,
    Part,
    default_of,
    field_info,
    is_note_header,
    limits,
    normalise,
)

_TIME = re.compile(r"^([01]?\d|2[0-3])\s*[:：]\s*([0-5]\d)(?:[:：]00)?$")
_LIST_SEP = re.compile(r"[,，、;；\s]+")
_GROUP_SEP = re.compile(r"[;；/|]+")


@dataclass(frozen=True)
class Where:
    """A place in the workbook as the user sees it."""

    sheet: str
    row: int | None = None
    header: str | None = None

    def text(self, lang: str) -> str:
        parts = [self.sheet]
        if self.row is not None:
            parts.append(f"第 {self.row} 行" if lang == "zh" else f"row {self.row}")
        if self.header:
            parts.append(self.header)
        return ("，" if lang == "zh" else ", ").join(parts)


class Bad(Exception):
    """A cell that cannot be read: the English sentence, its catalogue key and fields."""

    def __init__(self, expected: str, key: str, **fields: Any):
        super().__init__(expected)
        self.expected, self.key, self.fields = expected, key, fields


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _label(value: Any) -> str:
    """A header or label as one line (a header may hold a line break between its languages)."""
    return " ".join(_shown(value).split())


def _shown(value: Any) -> str:
    """A cell's value as the user sees it."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return _num(value)
    return str(value)


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------


def range_error(whole: bool, lo: float | None, hi: float | None, lo_strict: bool) -> Bad:
    kind = "int" if whole else "number"
    noun = "a whole number" if whole else "a number"
    if lo is not None and hi is not None:
        if lo_strict:
            return Bad(
                f"{noun} above {_num(lo)} and at most {_num(hi)}",
                f"workbook_{kind}_above_to",
                lo=_num(lo),
                hi=_num(hi),
            )
        return Bad(
            f"{noun} from {_num(lo)} to {_num(hi)}", f"workbook_{kind}_range", lo=_num(lo), hi=_num(hi)
        )
    if lo is not None:
        if lo_strict:
            return Bad(f"{noun} above {_num(lo)}", f"workbook_{kind}_above", lo=_num(lo))
        return Bad(f"{noun} ≥ {_num(lo)}", f"workbook_{kind}_min", lo=_num(lo))
    return Bad(noun, f"workbook_{kind}")


def _number(value: Any, whole: bool, limits: tuple[float | None, float | None, bool, bool]) -> float | int:
    lo, hi, lo_strict, hi_strict = limits
    bad = range_error(whole, lo, hi, lo_strict)
    if isinstance(value, bool) or isinstance(value, (dt.time, dt.date)):
        raise bad
    if isinstance(value, str):
        text = value.strip().replace("，", "").replace("％", "%")
        try:
            value = float(text[:-1]) / 100 if text.endswith("%") else float(text)  # 85% typed as text
        except ValueError:
            raise bad from None
    x = float(value)
    if x != x or x in (float("inf"), float("-inf")):
        raise bad
    if whole and not x.is_integer():
        raise bad
    if lo is not None and (x < lo or (lo_strict and x == lo)):
        raise bad
    if hi is not None and (x > hi or (hi_strict and x == hi)):
        raise bad
    return int(x) if whole else (int(x) if isinstance(value, int) else x)


def _time(value: Any) -> str:
    bad = Bad("a time of day such as 07:50", "workbook_time")
    if isinstance(value, dt.datetime):
        value = value.time()
    if isinstance(value, dt.time):
        minutes = round(value.hour * 60 + value.minute + value.second / 60 + value.microsecond / 6e7)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1:
        minutes = round(value * 24 * 60)  # an Excel time without a time format: a fraction of a day
    elif isinstance(value, str) and (m := _TIME.match(value.strip())):
        minutes = int(m.group(1)) * 60 + int(m.group(2))
    else:
        raise bad
    if minutes >= 24 * 60:
        raise bad
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _choice(value: Any, choices: str) -> Any:
    options = CHOICES[choices]
    t = normalise(_shown(value))
    for code, zh in options.items():
        if t in (normalise(code), normalise(code.replace("_", " ")), normalise(zh)):
            return int(code) if choices == "sides" else code
    labels = ", ".join(f"{zh} ({code})" if zh != code else code for code, zh in options.items())
    raise Bad(f"one of {labels}", "one_of", choices=labels)  # the key in errors.json


def _text(value: Any, kind: str) -> str:
    if isinstance(value, (dt.date, dt.time)):
        # Excel turned what was typed (7-1, 1/2) into a date: the text is lost.
        raise Bad(
            "text, but Excel turned it into a date: format the column as Text and type it again",
            "workbook_date_not_text",
        )
    text = _shown(value).strip()
    if not text:
        raise Bad("non-empty text", "workbook_text")
    return text


def read_cell(part: Part, col: Column, value: Any) -> Any:
    """A cell's value as the scenario mapping holds it; raises ``Bad`` with what was expected."""
    kind = col.kind
    if kind in ("text", "id"):
        return _text(value, kind)
    if kind in ("int", "float", "dist", "dist_sd"):
        return _number(value, kind == "int", limits(part, col))
    if kind == "bool":
        t = normalise(_shown(value)) if not isinstance(value, bool) else ("yes" if value else "no")
        if t in TRUE_WORDS:
            return True
        if t in FALSE_WORDS:
            return False
        raise Bad("是 or 否 (yes or no)", "workbook_yes_no")
    if kind == "time":
        return _time(value)
    if kind in ("choice", "dist_kind"):
        return _choice(value, col.choices)
    if kind == "dist_samples":
        items = [x for x in _LIST_SEP.split(_shown(value).strip()) if x]
        try:
            return [float(x) for x in items]
        except ValueError:
            raise Bad("numbers separated by commas, e.g. 22, 31, 28", "workbook_number_list") from None
    if kind == "ids":
        return [x for x in _LIST_SEP.split(_text(value, kind)) if x]
    if kind == "grade_groups":
        text = _shown(value).strip()
        try:
            return [
                [int(g) for g in _LIST_SEP.split(grp.strip()) if g]
                for grp in _GROUP_SEP.split(text)
                if grp.strip()
            ]
        except ValueError:
            raise Bad(
                "groups of grades such as 12; 11; 10 or 5,6; 3,4; 1,2 (';' between groups, ',' within one)",
                "workbook_grade_groups",
            ) from None
    raise AssertionError(kind)


# The fields each distribution kind takes, from the scenario schema's models.
DIST_FIELDS: dict[str, tuple[str, ...]] = {
    get_args(m.model_fields["dist"].annotation)[0]: tuple(k for k in m.model_fields if k != "dist")
    for m in (Exponential, LogNormal, Deterministic, Empirical)
}


def distribution(
    part: Part, base: str, cells: Mapping[str, Any], *, clear_unused: bool = False
) -> dict[str, Any]:
    """A distribution from its cells (``dist_kind``, ``dist`` = the value or mean, ``dist_sd``,
    ``dist_samples``; those absent were blank): a blank kind is the field default's (lognormal when
    the field has none). ``clear_unused`` (the desk's merge patch of a stored distribution): every
    other field is present too, null where the kind does not take it or no cell gave it, so the
    merge removes what an earlier kind had (a lognormal's ``sd`` when the kind becomes
    deterministic)."""
    kind = cells.get("dist_kind")
    if kind is None:
        default = default_of(field_info(part, Column(base, "", "dist")))
        kind = default.dist if default is not None else "lognormal"
    out: dict[str, Any] = {"dist": kind}
    if clear_unused:
        out |= dict.fromkeys(("mean", "value", "sd", "samples"))
    if "dist" in cells:
        out["value" if kind == "deterministic" else "mean"] = cells["dist"]
    if "dist_sd" in cells:
        out["sd"] = cells["dist_sd"]
    if "dist_samples" in cells:
        out["samples"] = cells["dist_samples"]
    if clear_unused:
        takes = DIST_FIELDS.get(kind, DIST_FIELDS["empirical"])
        out = {k: v if k == "dist" or k in takes else None for k, v in out.items()}
    return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------------------------


def _set(target: dict[str, Any], dotted: str, value: Any) -> None:
    *head, last = dotted.split(".")
    for name in head:
        target = target.setdefault(name, {})
    target[last] = value


class _Reader:
    """Collects the scenario mapping, the cell issues and where each field came from."""

    def __init__(self, file: str, lang: str):
        self.file, self.lang = file, lang
        self.issues: list[InputIssue] = []
        self.where: dict[tuple[Any, ...], Where] = {}
        self.bad_places: set[str] = set()

    def issue(self, where: Where, value: Any, bad: Bad) -> None:
        place = where.text(self.lang)
        self.bad_places.add(place)
        self.issues.append(
            InputIssue(
                self.file,
                place,
                "" if value is None else _shown(value),
                bad.expected,
                key=bad.key,
                fields=bad.fields,
            )
        )

    def item(
        self, part: Part, cells: Mapping[Column, tuple[Any, Where]], loc: tuple[Any, ...]
    ) -> dict[str, Any]:
        """One object from its cells (blank cells left out: the schema's default applies)."""
        out: dict[str, Any] = {}
        dists: dict[str, dict[str, Any]] = {}
        for col in part.columns:
            value, where = cells[col]
            parts = tuple(col.key.split("."))
            if col.kind.startswith("dist"):
                base = col.key if col.kind == "dist" else col.key.rsplit(".", 1)[0]
                sub = {
                    "dist": ("mean", "value"),
                    "dist_kind": ("dist",),
                    "dist_sd": ("sd",),
                    "dist_samples": ("samples",),
                }[col.kind]
                for s in sub:
                    self.where[(*loc, *base.split("."), s)] = where
                if col.kind == "dist_kind":
                    self.where[(*loc, *base.split("."))] = where
                parts = ()
            else:
                self.where[(*loc, *parts)] = where
            if _blank(value):
                continue
            try:
                got = read_cell(part, col, value)
            except Bad as bad:
                self.issue(where, value, bad)
                got = _shown(value)  # kept so the schema reports nothing else missing
            if col.kind.startswith("dist"):
                dists.setdefault(base, {})[col.kind] = got
            else:
                _set(out, col.key, got)
        for base, d in dists.items():
            _set(out, base, distribution(part, base, d))
        return out

    def form(self, part: Part, title: str, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
        labels = {h: c for c in part.columns for h in c.accepted_headers()}
        cells: dict[Column, tuple[Any, Where]] = {
            c: (None, Where(title, None, c.header(self.lang))) for c in part.columns
        }
        seen: dict[Column, int] = {}
        for r, row in enumerate(rows[1:], start=2):
            label = row[0] if row else None
            if _blank(label) or is_note_header(_shown(label)):
                continue
            where = Where(title, r, _label(label))
            col = labels.get(normalise(_shown(label)))
            if col is None:
                known = ", ".join(c.header(self.lang) for c in part.columns)
                self.issue(where, None, Bad(f"a known field: {known}", "workbook_unknown_field", known=known))
                continue
            if col in seen:
                self.issue(
                    where,
                    None,
                    Bad(f"each field once (also on row {seen[col]})", "workbook_twice", row=seen[col]),
                )
                continue
            seen[col] = r
            cells[col] = (row[1] if len(row) > 1 else None, where)
        return self.item(part, cells, tuple(part.root.split(".")) if part.root else ())

    def table(
        self, part: Part, title: str, rows: list[tuple[Any, ...]]
    ) -> list[dict[Column, tuple[Any, Where]]]:
        """The cells of each non-blank row of a table sheet; the header is the first non-blank row."""
        start = next((i for i, row in enumerate(rows) if any(not _blank(v) for v in row)), None)
        if start is None:
            return []
        heads = {h: c for c in part.columns for h in c.accepted_headers()}
        index: dict[Column, int] = {}
        shown: dict[Column, str] = {}
        for j, h in enumerate(rows[start]):
            if _blank(h) or is_note_header(_shown(h)):
                continue
            col = heads.get(normalise(_shown(h)))
            where = Where(title, start + 1, _label(h))
            if col is None:
                known = ", ".join(c.header(self.lang) for c in part.columns)
                self.issue(
                    where,
                    None,
                    Bad(
                        f"a known column: {known} (or a note column headed 备注 or note)",
                        "workbook_unknown_column",
                        known=known,
                    ),
                )
            elif col in index:
                self.issue(where, None, Bad("each column once", "workbook_column_twice"))
            else:
                index[col], shown[col] = j, _label(h)
        out: list[dict[Column, tuple[Any, Where]]] = []
        for i, row in enumerate(rows[start + 1 :], start=start + 2):
            if all(_blank(row[j]) for j in index.values() if j < len(row)):
                continue
            cells = {
                c: (
                    row[index[c]] if c in index and index[c] < len(row) else None,
                    Where(title, i, shown.get(c, c.header(self.lang))),
                )
                for c in part.columns
            }
            out.append(cells)
        return out


# --------------------------------------------------------------------------------------------
# The workbook
# --------------------------------------------------------------------------------------------


def _open(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows (cached formula results, not formulas), by sheet title."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError(
            [InputIssue(str(path), "", "", "an existing scenario file", key="workbook_missing_file")]
        ) from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise InputError(
            [
                InputIssue(
                    str(path),
                    "",
                    "",
                    "an Excel workbook (.xlsx) saved by Excel or WPS",
                    key="workbook_not_xlsx",
                )
            ]
        ) from None
    try:
        sheets = {}
        for ws in wb.worksheets:
            ws.reset_dimensions()  # some writers record a wrong used range: read every row and column
            sheets[ws.title] = [tuple(r) for r in ws.iter_rows(values_only=True)]
        return sheets
    finally:
        wb.close()


def _sheets(file: str, titles: list[str]) -> tuple[str, dict[str, str], list[InputIssue]]:
    """The workbook's language (from its sheet names) and the sheet title of each part present."""
    found: dict[str, str] = {}
    issues: list[InputIssue] = []
    zh = 0
    for title in titles:
        for part in PARTS:
            if normalise(title) in (normalise(part.zh), normalise(part.en)):
                zh += normalise(title) == normalise(part.zh)
                if part.name in found:
                    issues.append(
                        InputIssue(
                            file,
                            title,
                            "",
                            f"one sheet for {part.en} (also {found[part.name]})",
                            key="workbook_sheet_twice",
                            fields={"other": found[part.name]},
                        )
                    )
                else:
                    found[part.name] = title
    return ("zh" if zh or not found else "en"), found, issues


def read_workbook(path: str | Path) -> tuple[dict[str, Any], _Reader]:
    """The scenario mapping a workbook holds, and the reader (its cell issues and cell locations)."""
    p = Path(path)
    sheets = _open(p)
    lang, found, sheet_issues = _sheets(str(p), list(sheets))
    reader = _Reader(str(p), lang)
    reader.issues.extend(sheet_issues)
    data: dict[str, Any] = {}
    for part in PARTS:
        title = found.get(part.name, part.title(lang))
        for root in (("school",), ("day",)) if part.name == "school_day" else (tuple(part.root.split(".")),):
            reader.where[root] = Where(title)
        if part.name not in found:
            if part.required:
                reader.issue(
                    Where(title),
                    None,
                    Bad(f"a sheet named {part.zh} or {part.en}", "workbook_sheet", zh=part.zh, en=part.en),
                )
            continue
        rows = sheets[title]
        if not part.table:
            item = reader.form(part, title, rows)
            if part.root and item:  # a blank form means the defaults (a blank canteen: meals delivered)
                data[part.root] = item
            else:
                data.update(item)
            continue
        if part.name == "walks":
            _walks(reader, part, title, rows, data)
            continue
        items = []
        prefix = ("campus", "edges") if part.name == "campus" else (part.root,)
        for n, cells in enumerate(reader.table(part, title, rows)):
            items.append(reader.item(part, cells, (*prefix, n)))
        if part.name == "campus":
            if items:
                data["campus"] = {"edges": items}
        elif items or part.required:
            data[part.root] = items
    return data, reader


def _walks(
    reader: _Reader, part: Part, title: str, rows: list[tuple[Any, ...]], data: dict[str, Any]
) -> None:
    """Walking distances (entrance, building, metres) into each entrance's ``walk_m``."""
    entrances = data.get("entrances", [])
    index = {e.get("id"): i for i, e in reversed(list(enumerate(entrances)))}
    for cells in reader.table(part, title, rows):
        before = len(reader.issues)
        row = reader.item(part, cells, ("walks",))
        if len(reader.issues) > before or not {"entrance", "building", "walk_m"} <= row.keys():
            if len(reader.issues) == before:  # a blank cell in a row that has others
                missing = next(c for c in part.columns if c.key not in row)
                reader.issue(cells[missing][1], None, Bad("this cell (it is required)", "workbook_required"))
            continue
        i = index.get(row["entrance"])
        if i is None:
            known = ", ".join(str(k) for k in index)
            sheet = reader.where[("entrances",)].sheet  # as the workbook names it (入口 / Entrances)
            reader.issue(
                cells[part.column("entrance")][1],
                row["entrance"],
                Bad(
                    f"the id of an entrance on the {sheet} sheet ({known})",
                    "gate_ref_sheet",
                    sheet=sheet,
                    ids=known,
                ),
            )
            continue
        entrances[i].setdefault("walk_m", {})[row["building"]] = row["walk_m"]
        reader.where[("entrances", i, "walk_m", row["building"])] = cells[part.column("building")][1]
        reader.where.setdefault(("entrances", i, "walk_m"), cells[part.column("walk_m")][1])


_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parts(path: str) -> tuple[Any, ...] | None:
    """``entrances[2].service_time_s.sd`` -> ("entrances", 2, "service_time_s", "sd"); None if not a path."""
    if not path or not re.fullmatch(r"[A-Za-z_][\w.]*(\[\d+\][\w.]*)*", path):
        return None
    return tuple(int(m.group(2)) if m.group(2) else m.group(1) for m in _TOKEN.finditer(path))


# A cross-reference names the YAML list it looks in (``the id of a room in rooms``); in a workbook the
# user knows the sheet. Key -> (the list's place in the scenario, the key naming the sheet, English).
_SHEET_REFS: dict[str, tuple[str, str, str]] = {
    "room_ref": ("rooms", "room_ref_sheet", "the id of a room on the {sheet} sheet"),
    "class_ref": ("classes", "class_ref_sheet", "the id of a class on the {sheet} sheet"),
    "gate_ref": ("entrances", "gate_ref_sheet", "the id of an entrance on the {sheet} sheet ({ids})"),
    "node_ref": ("campus.edges", "node_ref_sheet", "a place named on the {sheet} sheet"),
    "id_unique": ("{kind}", "id_unique_sheet", "a unique id (used twice on the {sheet} sheet)"),
}


def _on_sheet(issue: InputIssue, reader: _Reader) -> tuple[str, str | None, Mapping[str, Any]]:
    """(English, key, fields) of ``issue``, naming the workbook's sheet where it names a YAML list."""
    ref = _SHEET_REFS.get(issue.key or "")
    if ref is None:
        return issue.expected, issue.key, issue.fields
    root, key, template = ref
    where = reader.where.get(tuple(root.format(**issue.fields).split(".")))
    if where is None:
        return issue.expected, issue.key, issue.fields
    fields = {**issue.fields, "sheet": where.sheet}
    return template.format(**fields), key, fields


def locate(issue: InputIssue, reader: _Reader) -> InputIssue:
    """The same issue, its field path replaced by the sheet, row and header it came from, and a
    reference to a YAML list (``rooms``) by the sheet that holds it (教室 / Rooms)."""
    parts = _parts(issue.path)
    if parts is None or issue.file != reader.file:
        return issue
    for candidate in ((*parts, issue.value), *(parts[:n] for n in range(len(parts), 0, -1))):
        where = reader.where.get(candidate)
        if where is not None:
            expected, key, fields = _on_sheet(issue, reader)
            return InputIssue(
                issue.file, where.text(reader.lang), issue.value, expected, key=key, fields=fields
            )
    return issue


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in override.items():
        out[k] = (
            _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), dict) else copy.deepcopy(v)
        )
    return out


def load_workbook_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load and validate a school workbook; raises InputError naming sheet, row and header of each problem."""

    p = Path(path)
    data, reader = read_workbook(p)
    if overrides:
        data = _merge(data, overrides)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    try:
        book = workbook_format(reader.lang)
        sc = scenario_from_dict(data, file=str(p), base_dir=p.parent, sha256=digest, source_format=book)
    except InputError as exc:
        later = [locate(i, reader) for i in exc.issues]
        raise InputError([*reader.issues, *(i for i in later if i.path not in reader.bad_places)]) from None
    if reader.issues:
        raise InputError(reader.issues)
    return sc
