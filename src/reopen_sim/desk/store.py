"""The desk's database: engine, migrations at start, sessions with one transaction per write.

SQLite (the default, a file in the data folder) runs in WAL mode with ``synchronous=FULL``, so a
server killed mid-write leaves the last committed version intact; PostgreSQL works by URL
(``postgresql+psycopg://...``, driver from the ``reopen-sim[postgres]`` extra; tested on both, see
tests/pg_support.py). The schema is made by Alembic migrations (``desk/migrations``), run with
``command.upgrade`` at start. Two edits of the same version: the unique (plan, version) row lets one
commit and makes the other fail (``IntegrityError`` -> 409) on either database.

A database that cannot be opened at start (a malformed URL, a driver not installed, a server that
does not answer or refuses the login) is an input error naming ``--db-url``, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from reopen_sim.errors import InputError, InputIssue

# The option a database URL is given with (``reopen-sim serve --db-url``), named in errors.
URL_OPTION = "--db-url"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL: readers never block the writer; FULL: a commit survives a power cut; FKs enforced."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL and foreign keys on every connection."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrations_dir() -> Path:
    return Path(str(files("reopen_sim.desk").joinpath("migrations")))


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic ``upgrade head``) on ``engine``."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def shown_url(url: str) -> str:
    """``url`` as it may be printed: its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def _cannot_open(url: str, english: str, key: str, **fields: str) -> InputError:
    return InputError([InputIssue(URL_OPTION, "", shown_url(url), english, key=key, fields=fields)])


def open_engine(url: str) -> Engine:
    """``make_engine(url)`` migrated to the newest schema, or an ``InputError`` saying why it cannot be."""
    try:
        engine = make_engine(url)
    except (NoSuchModuleError, ImportError):
        raise _cannot_open(
            url,
            "a database whose driver is installed (PostgreSQL: pip install 'reopen-sim[postgres]', "
            "then a URL postgresql+psycopg://USER:PASSWORD@HOST/DATABASE)",
            "desk_store_driver",
        ) from None
    except ArgumentError:
        raise _cannot_open(
            url,
            "a database URL such as postgresql+psycopg://USER:PASSWORD@HOST/DATABASE",
            "desk_store_url",
        ) from None
    try:
        upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise _cannot_open(
            url, f"a database that can be opened (it said: {reason})", "desk_store_open", reason=reason
        ) from None
    return engine


class Store:
    """The database of one desk: ``with store.write() as s:`` commits all or nothing."""

    def __init__(self, url: str):
        self.url = url
        self.engine = open_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose changes are committed together at the end, or not at all on an error."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
