"""Progress reporting for long library calls, through a callback: the library never draws.

A long call (``simulate``, ``compare``) takes ``progress``, which is one of

- ``False`` or ``None``: silent (the default for library calls);
- ``True``: a progress bar from ``tqdm.auto`` — a widget in a notebook, a text bar on a terminal;
- a :class:`Progress` object (``start(total, label)``, ``advance(n)``, ``close()``), e.g. a web job's
  reporter;
- a plain function ``f(done, total)``, called after every step.

:func:`as_progress` turns any of these into a :class:`Progress`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

ProgressCallback = Callable[[int, int], None]


@runtime_checkable
class Progress(Protocol):
    """What a long call reports: how many steps there are, each step done, the end."""

    def start(self, total: int, label: str) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


ProgressArg = bool | None | Progress | ProgressCallback


class Silent:
    """Reports nothing."""

    def start(self, total: int, label: str) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class Bar:
    """A ``tqdm.auto`` bar (notebook widget or terminal), removed when closed."""

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, total: int, label: str) -> None:
        from tqdm.auto import tqdm  # imported when first needed: notebooks load ipywidgets

        self._bar = tqdm(total=total, desc=label, leave=False)

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class Calls:
    """Calls ``callback(done, total)`` at the start (done = 0) and after every step."""

    def __init__(self, callback: ProgressCallback) -> None:
        self._callback = callback
        self._done = 0
        self._total = 0

    def start(self, total: int, label: str) -> None:
        self._done, self._total = 0, total
        self._callback(0, total)

    def advance(self, n: int = 1) -> None:
        self._done += n
        self._callback(self._done, self._total)

    def close(self) -> None:
        pass


def as_progress(progress: ProgressArg) -> Progress:
    """The :class:`Progress` for a ``progress`` argument (see the module docstring)."""
    if progress is None or progress is False:
        return Silent()
    if progress is True:
        return Bar()
    if isinstance(progress, Progress):
        return progress
    if callable(progress):
        return Calls(progress)
    raise TypeError(
        f"progress must be True, False, None, a Progress or a function (done, total); got {progress!r}"
    )
