"""Errors users see. Bad input names file, field path, bad value and what was expected (exit 2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class InputIssue:
    """One thing wrong with what the user gave."""

    file: str
    path: str
    value: str
    expected: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        got = f"got {self.value!r}; " if self.value != "" else ""
        return f"{where}: {got}expected {self.expected}"


class InputError(ValueError):
    """Bad input: every issue found in a file, collected in one report."""

    def __init__(self, issues: Sequence[InputIssue]):
        self.issues: tuple[InputIssue, ...] = tuple(issues)
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} in the input:"
        super().__init__("\n".join([head, *(f"  - {i}" for i in self.issues)]))


class InfeasibleError(RuntimeError):
    """No plan satisfies the rules. ``reasons`` are plain-language explanations, most useful first."""

    def __init__(self, reasons: Sequence[str], status: str = "INFEASIBLE"):
        self.reasons: tuple[str, ...] = tuple(reasons)
        self.status = status
        body = "\n".join(f"  - {r}" for r in self.reasons) or "  - (no explanation found)"
        super().__init__(f"No plan fits this school ({status}):\n{body}")
