"""From pydantic's validation errors to :class:`InputIssue`: file, path, value, expected (en + key).

Every pydantic error type a scenario can raise maps to an ``expected.<key>`` entry of
``locales/<lang>/errors.json`` with pydantic's context fields (bounds, choices); the schema's own
rules raise :class:`pydantic_core.PydanticCustomError` whose type is the key and whose context the
fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from reopen_sim.errors import InputIssue
from reopen_sim.scenario.schema import Scenario

_DIST_TAGS = ("exponential", "lognormal", "deterministic", "empirical")


@dataclass(frozen=True)
class RowOrigin:
    """Where a class came from when it was read from a roster: file, line and the user's headers."""

    file: str
    line: int
    line_word: str  # "line" (CSV) or "row" (spreadsheet), as the user's program numbers them
    headers: Mapping[str, str] = field(default_factory=dict)  # canonical column -> header as written

    def issue(self, column: str, value: str, expected: str, key: str | None, **fields: Any) -> InputIssue:
        """An issue blamed on this roster row and the column the user knows as ``headers[column]``."""
        header = self.headers.get(column, column)
        return InputIssue(
            self.file,
            f"{self.line_word} {self.line}, column {header}",
            value,
            expected,
            key=key,
            fields=fields,
            path_key=f"{self.line_word}_column",
            path_fields={"n": self.line, "column": header},
        )


def loc_to_path(loc: Sequence[Any]) -> str:
    """``("classes", 0, "grade")`` -> ``classes[0].grade``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def show(value: Any) -> str:
    """A value as the user wrote it, short: mappings by their keys, long text cut at 60 characters."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: …" for k in list(value)[:4]) + "}"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


_SIGNS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}

# pydantic error type -> (catalogue key, English sentence) for the types that need no context.
_SIMPLE: dict[str, tuple[str, str]] = {
    "missing": ("required", "this field (it is required)"),
    "int_parsing": ("whole_number", "a whole number"),
    "int_type": ("whole_number", "a whole number"),
    "int_from_float": ("whole_number", "a whole number"),
    "float_parsing": ("number", "a number"),
    "float_type": ("number", "a number"),
    "finite_number": ("finite_number", "a finite number"),
    "bool_parsing": ("true_false", "true or false"),
    "bool_type": ("true_false", "true or false"),
    "string_type": ("text", "text"),
    "string_unicode": ("text", "text"),
    "dict_type": ("mapping", "a mapping of key: value"),
    "model_type": ("mapping", "a mapping of key: value"),
    "model_attributes_type": ("mapping", "a mapping of key: value"),
    "dataclass_type": ("mapping", "a mapping of key: value"),
    "tuple_type": ("list", "a list"),
    "list_type": ("list", "a list"),
    "string_too_short": ("nonempty_text", "non-empty text"),
    "string_pattern_mismatch": ("id_pattern", "an id of letters, digits, '-', '_' or '.'"),
    "union_tag_invalid": ("dist_kind", "dist: one of exponential, lognormal, deterministic, empirical"),
    "union_tag_not_found": ("dist_kind", "dist: one of exponential, lognormal, deterministic, empirical"),
    "enum": ("one_of", "one of {choices}"),
    "literal_error": ("one_of", "one of {choices}"),
}


def expected_of(
    err: Mapping[str, Any], model_fields: list[str] | None
) -> tuple[str, str | None, dict[str, Any]]:
    """(English sentence, catalogue key, fields) for one pydantic error."""
    kind = str(err["type"])
    ctx = dict(err.get("ctx") or {})
    if kind == "extra_forbidden":
        if model_fields:
            known = ", ".join(model_fields)
            return f"no such field (known fields: {known})", "no_such_field", {"fields": known}
        return "no such field", "no_such_field_plain", {}
    if kind in _SIGNS:
        bound = next(iter(ctx.values())) if ctx else "?"
        sign = _SIGNS[kind]
        return f"a number {sign} {bound}", "number_cmp", {"sign": sign, "bound": bound}
    if kind in ("too_short", "too_long"):
        n = ctx.get("min_length" if kind == "too_short" else "max_length", 1)
        word = "least" if kind == "too_short" else "most"
        return f"at {word} {n} item(s)", f"{kind}_items", {"n": n}
    if kind == "string_too_long":
        n = ctx.get("max_length", "?")
        return f"text of at most {n} characters", "text_too_long", {"n": n}
    if kind in _SIMPLE:
        key, text = _SIMPLE[kind]
        fields = {"choices": str(ctx.get("expected", ""))} if "{choices}" in text else {}
        return text.format(**fields), key, fields
    if kind == "value_error":  # a bare ValueError from a validator: English only, flagged by tests
        msg = str(err["msg"]).removeprefix("Value error, ")
        return msg, None, {}
    # The schema's own rules: PydanticCustomError(type=key, message, context).
    return str(err["msg"]), kind, {k: v for k, v in ctx.items() if isinstance(v, str | int | float)}


def fields_at(loc: Sequence[Any]) -> list[str] | None:
    """Known field names of the model at ``loc`` minus its last part (for unknown-key errors)."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fld = getattr(model, "model_fields", {}).get(part)
        if fld is None:
            return None
        ann = fld.annotation
        nxt = None
        for c in [ann, *getattr(ann, "__args__", ())]:
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


def validation_issues(
    exc: ValidationError, file: str, origins: Sequence[RowOrigin] | None = None
) -> list[InputIssue]:
    """Every error of a scenario's validation as an issue; a class read from a roster is blamed on
    the roster's file, line and column header rather than on ``classes[i]`` of the YAML."""
    errors = exc.errors()
    deeper = {tuple(e["loc"])[:n] for e in errors for n in range(1, len(e["loc"]))}
    issues: list[InputIssue] = []
    for err in errors:
        loc = tuple(err["loc"])
        # A list whose items failed is also reported "too short" by pydantic: say it once.
        if err["type"] == "too_short" and loc in deeper:
            continue
        loc = tuple(x for x in loc if x not in _DIST_TAGS)  # the discriminator tag pydantic inserts
        raw_value = err.get("input", "")
        # A rule across several fields (a model validator) names them in its message.
        value = "" if err["type"] == "missing" or isinstance(raw_value, dict) else show(raw_value)
        expected, key, fields = expected_of(err, fields_at(loc))
        if (
            origins
            and len(loc) >= 3
            and loc[0] == "classes"
            and isinstance(loc[1], int)
            and loc[1] < len(origins)
        ):
            issues.append(origins[loc[1]].issue(str(loc[2]), value, expected, key, **fields))
            continue
        issues.append(InputIssue(file, loc_to_path(loc), value, expected, key=key, fields=fields))
    return issues
