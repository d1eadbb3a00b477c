"""Errors users see. Bad input names file, field path, bad value and what was expected (exit 2).

Every sentence has an English default and, through ``key`` and ``fields``, an entry of the message
catalogues (``locales/<lang>/errors.json``: ``expected.<key>``), so the CLI, the notebook API and the
desk can show it in the user's language with :meth:`InputError.render`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the catalogue imports this module
    from reopen_sim.i18n import Catalogue


@dataclass(frozen=True)
class InputIssue:
    """One thing wrong with what the user gave.

    ``expected`` is the English sentence; ``key`` (with ``fields``) names the same sentence in the
    catalogues (``expected.<key>``). An issue without a key is shown in English in every language,
    which the tests treat as a missing translation.
    """

    file: str
    path: str
    value: str
    expected: str
    key: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # The place in words (``line 3, column 人数``) also has a catalogue entry ``where.<path_key>``.
    path_key: str | None = None
    path_fields: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        got = f"got {self.value!r}; " if self.value != "" else ""
        return f"{where}: {got}expected {self.expected}"

    def expected_text(self, cat: Catalogue) -> str:
        """What was expected, in the catalogue's language (English when the issue has no key)."""
        if cat.lang == "en" or self.key is None:
            return self.expected
        return cat(f"expected.{self.key}", **rendered_fields(cat, self.fields))

    def render(self, cat: Catalogue) -> str:
        """The issue in the catalogue's language (English text when the issue has no key)."""
        if cat.lang == "en" or self.key is None:
            return str(self)
        where = _where(cat, self.file, self.path, self.path_key, self.path_fields)
        expected = self.expected_text(cat)
        if self.value != "":
            return cat("error.issue_got", where=where, value=repr(self.value), expected=expected)
        return cat("error.issue", where=where, expected=expected)


def rendered_fields(cat: Catalogue, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Message fields in the catalogue's language: a field with a ``render(cat)`` method (a setting
    named as the user's file names it, :class:`reopen_sim.scenario.setting_names.Setting`) is rendered."""
    out: dict[str, Any] = {}
    for k, v in fields.items():
        render = getattr(v, "render", None)
        out[k] = render(cat) if callable(render) else v
    return out


def _where(cat: Catalogue, file: str, path: str, key: str | None, fields: Mapping[str, Any]) -> str:
    """``file: place`` (``file：place`` in Chinese) with the place in the catalogue's language when it
    has a ``where.`` key."""
    if key is not None:
        path = cat(f"where.{key}", **fields)
    return cat("where.file", file=file, place=path) if path else file


@dataclass(frozen=True)
class Notice:
    """Something the loader did that the user should know but that is not an error.

    E.g. a roster's total row (``合计``) that was skipped. Same shape as :class:`InputIssue`: ``text``
    is the English sentence, ``key``/``fields`` its catalogue entry ``notice.<key>``.
    """

    file: str
    path: str
    text: str
    key: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict, hash=False)
    path_key: str | None = None
    path_fields: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.text}"

    def render(self, cat: Catalogue) -> str:
        """The notice in the catalogue's language (English text when it has no key)."""
        if cat.lang == "en" or self.key is None:
            return str(self)
        where = _where(cat, self.file, self.path, self.path_key, self.path_fields)
        return cat("notice.line", where=where, text=cat(f"notice.{self.key}", **self.fields))


def notice_lines(notices: Sequence[Notice], cat: Catalogue) -> list[str]:
    """A heading and one line per notice in the catalogue's language; no lines when there are none."""
    if not notices:
        return []
    return [cat("notice.head", n=len(notices)), *(f"  - {n.render(cat)}" for n in notices)]


class InputError(ValueError):
    """Bad input: every issue found in a file, collected in one report."""

    def __init__(self, issues: Sequence[InputIssue]):
        self.issues: tuple[InputIssue, ...] = tuple(issues)
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} in the input:"
        super().__init__("\n".join([head, *(f"  - {i}" for i in self.issues)]))

    def __reduce__(self) -> tuple[Any, ...]:  # picklable for process pools (args differ from issues)
        return (type(self), (self.issues,))

    def render(self, cat: Catalogue) -> str:
        """Every issue in the catalogue's language, one per line, under a count."""
        if cat.lang == "en":
            return str(self)
        head = cat("error.head", n=len(self.issues))
        return "\n".join([head, *(f"  - {i.render(cat)}" for i in self.issues)])


class Explained(Protocol):
    """A reason with a catalogue key (``optimizer.reasons.Reason``): English by ``str``, any language
    by ``render``."""

    def render(self, cat: Catalogue) -> str: ...


class InfeasibleError(RuntimeError):
    """No plan satisfies the rules. ``reasons`` are plain-language explanations (English), most useful
    first; ``details`` the same reasons as given (translatable ones have ``render(cat)``)."""

    def __init__(self, reasons: Sequence[str | Explained], status: str = "INFEASIBLE"):
        self.details: tuple[str | Explained, ...] = tuple(reasons)
        self.reasons: tuple[str, ...] = tuple(str(r) for r in self.details)
        self.status = status
        body = "\n".join(f"  - {r}" for r in self.reasons) or "  - (no explanation found)"
        super().__init__(f"No plan fits this school ({status}):\n{body}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.details, self.status))

    def render(self, cat: Catalogue) -> str:
        """The reasons in the catalogue's language, one per line, under a heading."""
        if cat.lang == "en":
            return str(self)
        lines = [r if isinstance(r, str) else r.render(cat) for r in self.details]
        body = "\n".join(f"  - {r}" for r in lines) or "  - (no explanation found)"
        return f"{cat('infeasible.head', status=self.status)}\n{body}"
