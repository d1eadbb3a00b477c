"""PostgreSQL for the desk's store and API tests: a throwaway server, or one named by an environment variable.

Tests that take the ``db_url`` fixture (or ``database_url(kind, request)``) run once on SQLite and once
on PostgreSQL, each in a database of its own. The PostgreSQL server is, in this order:

- ``REOPEN_SIM_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://me:pw@localhost/postgres``): an existing
  server whose user may ``CREATE DATABASE``; each test makes a database there and drops it after;
- else a throwaway cluster started for the test session from the server binaries
  (``/usr/lib/postgresql/<version>/bin`` on Debian, or ``initdb``/``pg_ctl`` on ``PATH``): ``initdb`` in a
  temp folder, listening only on a Unix socket in that folder, stopped and deleted at the end. PostgreSQL
  refuses to run as root, so as root the cluster runs as the ``postgres`` user (``runuser``), its folder
  given to that user;
- else the PostgreSQL tests are skipped with ``HOW_TO_RUN``.

``PgCluster`` is plain Python so ``bench/bench_desk.py`` starts one the same way.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

URL_ENV = "REOPEN_SIM_TEST_DATABASE_URL"
HOW_TO_RUN = (
    "PostgreSQL tests need the server binaries (apt-get install -y postgresql; the tests start a "
    "throwaway cluster in a temp folder and stop it) and the psycopg driver (dev extras), or "
    f"{URL_ENV}=postgresql+psycopg://USER:PASSWORD@HOST/postgres naming a server whose user may create databases"
)
# The user a cluster runs as when the tests run as root (PostgreSQL refuses root).
SERVER_USER = "postgres"
SUPERUSER = "reopen_test"
# A throwaway cluster needs no durability: commits are not flushed to disk (a killed client still
# loses its uncommitted transaction, which is what the tests check).
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: the newest Debian version, else the one on ``PATH``."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in reversed(versions):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def _as_server_user() -> tuple[list[str], pwd.struct_passwd | None]:
    """The command prefix that runs the server's programs unprivileged, and that user (None: ourselves)."""
    if os.geteuid() != 0:
        return [], None
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        user = pwd.getpwnam("nobody")
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", user.pw_name, "--"], user
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("running as root needs runuser or setpriv to start PostgreSQL as another user")
    return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups"], user


class PgCluster:
    """A PostgreSQL cluster of our own in a temp folder (``start``/``stop``), reached by its Unix socket."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        # Short path: a Unix socket's path must stay under ~100 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="reopen-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.prefix, self.user = _as_server_user()

    @property
    def admin_url(self) -> str:
        """SQLAlchemy URL of the cluster's ``postgres`` database, as its superuser, over the socket."""
        return f"postgresql+psycopg://{SUPERUSER}@/postgres?host={self.root}&port=5432"

    def _run(self, *cmd: str) -> None:
        done = subprocess.run(
            [*self.prefix, *cmd],
            cwd=self.root,  # the server's user may not enter ours
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr}{done.stdout}\n{log}")

    def start(self) -> PgCluster:
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        initdb = str(self.bin_dir / "initdb")
        self._run(initdb, "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale")
        settings = {
            "listen_addresses": "''",  # no TCP: only the socket in our own folder
            "unix_socket_directories": f"'{self.root}'",
            "port": "5432",
            "max_connections": "100",
            **FAST_SETTINGS,
        }
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start")
        return self

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def create_database(admin_url: str) -> str:
    """A new empty database on the server of ``admin_url``; returns its SQLAlchemy URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"reopen_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database of ``url``, closing any connection still open to it (PostgreSQL 13+)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _driver_missing() -> bool:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return True
    return False


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database for this test session, or skip."""
    if _driver_missing():
        pytest.skip(HOW_TO_RUN)
    given = os.environ.get(URL_ENV)
    if given:
        yield given
        return
    bin_dir = server_binaries()
    if bin_dir is None:
        pytest.skip(HOW_TO_RUN)
    cluster = PgCluster(bin_dir)
    try:
        cluster.start()
        yield cluster.admin_url
    finally:
        cluster.stop()


# The databases every parametrised test runs on; ``-m "not postgres"`` leaves PostgreSQL out.
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def database_url(kind: str, request: pytest.FixtureRequest, folder: Path) -> str:
    """A fresh database of ``kind`` for one test or module: SQLite in ``folder`` (where the desk puts
    it by default), or a new PostgreSQL database dropped when ``request``'s scope ends."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'desk.sqlite3'}"
    admin: str = request.getfixturevalue("pg_admin_url")
    url = create_database(admin)
    request.addfinalizer(lambda: drop_database(admin, url))
    return url


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database for one test, once SQLite and once PostgreSQL."""
    return database_url(request.param, request, tmp_path)


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def table_columns(url: str) -> dict[str, set[str]]:
    """Every table of the database at ``url`` and its columns, as the database reports them."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        insp: Any = inspect(engine)
        return {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names()}
    finally:
        engine.dispose()
