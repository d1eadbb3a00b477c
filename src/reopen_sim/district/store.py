"""Resume: each finished school × what-if is stored as one JSON file under ``OUT/tasks/``.

A file is written to a temporary name and renamed into place, so it is whole or absent. A re-run
skips a task whose file holds the same *fingerprint* (a hash of the validated scenario variant,
replications, seed, time limit and evaluator): change any of them and the task runs again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TaskOutcome:
    """What one school × what-if gave: status ``ok``/``invalid``/``infeasible``/``skipped``/``error``."""

    school: str
    what_if: str
    status: str
    reason: str = ""
    summary: list[dict[str, Any]] = field(default_factory=list)
    timetable: list[dict[str, str]] = field(default_factory=list)
    replicates: dict[str, list[float]] = field(default_factory=dict)
    seed: int | None = None
    fingerprint: str = ""
    elapsed_s: float = 0.0

    def to_json(self) -> str:
        """JSON in field order. Keys are not sorted: their order is data (the order of metrics in
        ``replicates`` and of a timetable's columns), and a resumed sweep must write the same files.
        Floats round-trip exactly (``repr``); NaN is written as ``NaN``."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> TaskOutcome:
        return cls(**json.loads(text))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40] or "x"


def task_filename(school: str, what_if: str) -> str:
    """A readable, collision-free file name for a school × what-if."""
    digest = hashlib.sha256(json.dumps([school, what_if]).encode()).hexdigest()[:12]
    return f"{_slug(school)}__{_slug(what_if)}__{digest}.json"


# Files being written (renamed into place when whole).
TMP_PREFIX = ".tmp-"


class TaskStore:
    """Finished tasks under ``out_dir/tasks``."""

    def __init__(self, out_dir: str | Path):
        self.dir = Path(out_dir) / "tasks"

    def path(self, school: str, what_if: str) -> Path:
        return self.dir / task_filename(school, what_if)

    def load(self, school: str, what_if: str, fingerprint: str) -> TaskOutcome | None:
        """The stored outcome if it was computed from the same inputs, else None."""
        p = self.path(school, what_if)
        try:
            out = TaskOutcome.from_json(p.read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):
            return None
        if out.fingerprint != fingerprint or (out.school, out.what_if) != (school, what_if):
            return None
        return out

    def save(self, outcome: TaskOutcome) -> Path:
        """Write atomically: a temporary file in the same folder, then ``os.replace``."""
        self.dir.mkdir(parents=True, exist_ok=True)
        p = self.path(outcome.school, outcome.what_if)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=TMP_PREFIX, suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(outcome.to_json())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return p

    def discard_partial(self) -> None:
        """Remove files a save left half-written: a sweep killed, or interrupted between the
        temporary file's creation and the cleanup of its own ``except``. They are never results."""
        for p in self.dir.glob(f"{TMP_PREFIX}*.json"):
            p.unlink(missing_ok=True)
