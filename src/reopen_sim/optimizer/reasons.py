"""Reasons why no plan exists, as catalogue keys with fields, so they can be shown in any language.

A :class:`Reason` names a text of ``locales/<lang>/explain.json`` (``infeasible.*``, ``rule.*``,
``fix.*``) and its fields. A field is a plain value, another reason, a :class:`Grades` label
(``Grade 7`` / ``初一``), or a :class:`Joined` list of them, each rendered in the catalogue's language.
``str(reason)`` is the English text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reopen_sim.i18n import Catalogue, load_catalogue
from reopen_sim.naming import grade_name


def _render(value: Any, cat: Catalogue) -> Any:
    render = getattr(value, "render", None)
    return render(cat) if callable(render) else value


@dataclass(frozen=True)
class Grades:
    """A group of grades as schools name it: ``Grade 7``, ``Grades 7–9`` (``初一``, ``初一至初三``)."""

    grades: tuple[int, ...]

    def render(self, cat: Catalogue) -> str:
        first, last = self.grades[0], self.grades[-1]
        if len(self.grades) == 1:
            return grade_name(first, cat.lang)
        if cat.lang == "en":  # "Grades 7–9", not "Grade 7–Grade 9"
            return cat("infeasible.grade_range", first=first, last=last)
        return cat(
            "infeasible.grade_range", first=grade_name(first, cat.lang), last=grade_name(last, cat.lang)
        )


@dataclass(frozen=True)
class Joined:
    """Items shown one after the other, separated by the catalogue's ``sep_key`` text."""

    items: tuple[Any, ...]
    sep_key: str = "infeasible.sep"

    def render(self, cat: Catalogue) -> str:
        return cat(self.sep_key).join(str(_render(x, cat)) for x in self.items)


@dataclass(frozen=True)
class Reason:
    """One sentence (or part of one) of an explanation: a catalogue key and its fields."""

    key: str
    fields: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def render(self, cat: Catalogue) -> str:
        """The text in the catalogue's language."""
        return cat(self.key, **{k: _render(v, cat) for k, v in self.fields.items()})

    def __str__(self) -> str:
        return self.render(load_catalogue("en"))


__all__ = ["Grades", "Joined", "Reason"]
