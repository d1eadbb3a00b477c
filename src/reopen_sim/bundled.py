"""The example schools shipped with the package, from one place.

They live once, in the project's ``scenarios/`` folder (the files the README, ``make demo`` and the
tests name). A built wheel carries a copy as package data, ``reopen_sim/examples``, rosters included
(setup.py's build hook copies them; no symlink, so a checkout without symlinks works the same); a
source checkout or editable install reads ``scenarios/`` itself. The CLI's ``serve`` and the desk
offer them by name.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# Example schools in the order the desk lists them (scenarios/*.yaml without the district file).
EXAMPLE_SCHOOLS: tuple[str, ...] = ("junior-middle", "primary-school", "high-school", "tiny-school")


def examples_dir() -> Path:
    """The folder of the bundled examples (``*.yaml`` with their roster files beside them): the
    package's ``examples/`` in an installed wheel, else the checkout's ``scenarios/`` (the package is
    ``src/reopen_sim`` there)."""
    package = Path(str(files("reopen_sim")))
    installed = package / "examples"
    return installed if installed.is_dir() else package.parent.parent / "scenarios"


def example_path(name: str) -> Path:
    """The YAML of example ``name`` (one of :data:`EXAMPLE_SCHOOLS`, or ``district-example``);
    ``KeyError`` for any other name: a caller's text never becomes a path."""
    if name not in (*EXAMPLE_SCHOOLS, "district-example"):
        raise KeyError(name)
    return examples_dir() / f"{name}.yaml"


__all__ = ["EXAMPLE_SCHOOLS", "example_path", "examples_dir"]
