"""The CLI tests run the package of this checkout, not an installed copy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli_support import ROOT, cli_env


def test_subprocess_imports_this_tree(tmp_path: Path) -> None:
    # Run from elsewhere so that the current directory cannot be what puts the tree on the path.
    res = subprocess.run(
        [sys.executable, "-c", "import reopen_sim; print(reopen_sim.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=cli_env(),
    )
    assert res.returncode == 0, res.stderr
    assert Path(res.stdout.strip()).resolve().is_relative_to((ROOT / "src").resolve())
