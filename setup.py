"""Build hook: the example schools live once, in the project's ``scenarios/`` folder (the paths the
README, ``make demo``, the docs and the tests name); a built wheel carries a copy of its ``*.yaml``
and roster ``*.csv`` files as ``reopen_sim/examples``, which ``reopen_sim.bundled`` reads. An
editable install or a source checkout reads ``scenarios/`` itself. No symlink: a checkout without
them (Windows, ``core.symlinks=false``) builds and runs the same. docs/design.md, "Example schools".
Everything else about the package is in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

EXAMPLES = Path(__file__).resolve().parent / "scenarios"
EXAMPLE_SUFFIXES = (".yaml", ".csv")


class BuildPyWithExamples(build_py):
    """``build_py`` that also copies ``scenarios/*.yaml`` and ``*.csv`` into the package's
    ``examples/`` folder of the build (not in editable mode: the checkout's folder is read there)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "reopen_sim" / "examples"
        self.mkpath(str(target))
        for path in sorted(EXAMPLES.iterdir()):
            if path.suffix in EXAMPLE_SUFFIXES:
                self.copy_file(str(path), str(target / path.name))


setup(cmdclass={"build_py": BuildPyWithExamples})
