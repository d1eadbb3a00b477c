"""What a desk server is started with: where it keeps its data, its database, its access token."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from reopen_sim.bundled import examples_dir
from reopen_sim.district.executors import default_workers

# Uploads above this are refused (413). A 10,000-row roster workbook is about 4 MB (scenario/files.py).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def default_data_dir() -> Path:
    """The user's data directory for the desk (platformdirs: ~/.local/share/reopen-sim on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("reopen-sim", appauthor=False))


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class DeskSettings:
    """A desk server's settings.

    ``db_url`` defaults to an SQLite file in ``data_dir``; a PostgreSQL URL
    (``postgresql+psycopg://...``) works the same. ``token`` is required (401 without it) whenever
    it is set; ``serve`` sets one whenever ``host`` is not a loopback address.
    """

    data_dir: Path = field(default_factory=default_data_dir)
    db_url: str | None = None
    token: str | None = None
    host: str = "127.0.0.1"
    port: int = 8765
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    # Worker processes for jobs (plan, simulate) running at once; more are queued.
    max_jobs: int = 2
    # Processes one simulate, compare or report job may use (its mornings in a pool; a simulation's
    # contacts beside its judgement): at most 2 by default, as many as the CPUs allow.
    job_processes: int = field(default_factory=lambda: min(2, default_workers()))
    # Example schools offered by ``/api/examples`` (default: those shipped with the package,
    # ``reopen_sim.bundled``); None: none.
    examples_dir: Path | None = field(default_factory=examples_dir)

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'desk.sqlite3'}"

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
