"""A setting named as the user writes it: the YAML key, or the workbook's sheet, field and value.

Advice that names a setting ("allow split classes (policy.allow_split_classes: true)") must speak the
terms of the file the school came in: a workbook user has never seen the YAML key. A
:class:`Setting` holds the setting's YAML path, the value to enter and the school's source format,
and renders in a catalogue's language (``setting.*`` of ``locales/<lang>/explain.json``):

* from YAML: the key as the scenario file writes it, ``policy.allow_split_classes: true``;
* from a workbook (and the desk, whose tables follow the workbook layout): the sheet, the field's
  header and the value as its cell shows it, all taken from :mod:`.workbook_layout` (the one
  source of the workbook's names): ``「防控规则」表的「允许分班就坐」填“是”`` /
  ``the "Rules" sheet, "allow_split_classes": yes``. The sheet and the value are named as the
  user's workbook names them (a Chinese workbook read in English: ``the "防控规则" sheet,
  "allow_split_classes": 是``, what its drop-down offers); the field by the header's half in the
  message's language (a header holds both). The desk's tables follow the message's language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reopen_sim.i18n import Catalogue, load_catalogue
from reopen_sim.scenario.schema import SourceFormat
from reopen_sim.scenario.workbook_layout import PARTS, Column, Part, shown_value


def layout_of(path: str) -> tuple[Part, Column]:
    """The sheet and column of a setting's YAML path (``policy.keep_home_rooms``, ``entrances.lanes``)."""
    for part in PARTS:
        prefix = f"{part.root}." if part.root else ""
        if path.startswith(prefix):
            for col in part.columns:
                if prefix + col.key == path:
                    return part, col
    raise KeyError(path)


def workbook_format(lang: str) -> SourceFormat:
    """The source format of a workbook whose sheets are named in ``lang``."""
    return "workbook_zh" if lang == "zh" else "workbook_en"


def _yaml_text(value: Any) -> str:
    """A value as a YAML scenario writes it inline: ``true``, ``08:30``, ``[[9], [8, 7]]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return json.dumps(value)  # JSON's lists are YAML's flow sequences
    return str(value)


def _as_lists(value: Any) -> Any:
    """Tuples as lists, nested (a policy's grade groups are tuples of tuples)."""
    return [_as_lists(x) for x in value] if isinstance(value, (list, tuple)) else value


@dataclass(frozen=True)
class Setting:
    """One setting in a sentence of advice: ``path`` its YAML path, ``value`` the value to enter
    (None: the setting's name only; an empty list: left blank), ``source`` the school's format.

    ``label``: just the field's name (a term of a formula: ``lanes × queue_length_m``); in YAML a
    field of a table's item (an entrance's ``lanes``) is named by its own key there.
    """

    path: str
    value: Any = None
    source: SourceFormat = "yaml"
    label: bool = False

    def __post_init__(self) -> None:
        layout_of(self.path)  # a setting the workbook does not hold is a bug

    def render(self, cat: Catalogue) -> str:
        """The setting in the catalogue's language, as the school's own file names it."""
        part, col = layout_of(self.path)
        value = _as_lists(self.value)
        if self.source == "yaml":
            name = col.key if self.label and part.table else self.path
            return name if self.label or value is None else f"{name}: {_yaml_text(value)}"
        field = col.zh if cat.lang == "zh" else col.key
        if self.label:
            return cat("setting.label", field=field)
        book = {"workbook_zh": "zh", "workbook_en": "en"}.get(self.source, cat.lang)
        where = {"sheet": part.title(book), "field": field}
        if value is None:
            return cat("setting.place", **where)
        shown = shown_value(col, value, book)
        if shown in ("", [], ()):
            return cat("setting.blank", **where)
        return cat("setting.value", **where, value=shown)

    def __str__(self) -> str:
        return self.render(load_catalogue("en"))

    def as_dict(self) -> dict[str, Any]:
        """The setting as stored in JSON (a certificate's reasons): ``{"setting": path, ...}``."""
        return {"setting": self.path, "value": self.value, "source": self.source, "label": self.label}

    @classmethod
    def from_stored(cls, value: Any) -> Any:
        """A setting stored by :meth:`as_dict` back as a :class:`Setting`; any other value as it is."""
        if isinstance(value, dict) and "setting" in value:
            return cls(
                value["setting"], value.get("value"), value.get("source", "yaml"), value.get("label", False)
            )
        return value


__all__ = ["Setting", "SourceFormat", "layout_of", "workbook_format"]
