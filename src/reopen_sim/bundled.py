"""The example schools shipped with the package, from one place.

They are package data (``reopen_sim/examples``), which in the source tree is a link to the project's
``scenarios/`` folder: the files the README, ``make demo`` and the tests name are the ones an
installed wheel carries, rosters included. The CLI's ``serve`` and the desk offer them by name.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# Example schools in the order the desk lists them (scenarios/*.yaml without the district file).
EXAMPLE_SCHOOLS: tuple[str, ...] = ("junior-middle", "primary-school", "high-school", "tiny-school")


def examples_dir() -> Path:
    """The folder of the bundled examples (``*.yaml`` with their roster files beside them)."""
    return Path(str(files("reopen_sim").joinpath("examples")))


def example_path(name: str) -> Path:
    """The YAML of example ``name`` (one of :data:`EXAMPLE_SCHOOLS`, or ``district-example``);
    ``KeyError`` for any other name: a caller's text never becomes a path."""
    if name not in (*EXAMPLE_SCHOOLS, "district-example"):
        raise KeyError(name)
    return examples_dir() / f"{name}.yaml"


__all__ = ["EXAMPLE_SCHOOLS", "example_path", "examples_dir"]
