"""The store's two SQL backends behind one small interface: embedded SQLite (WAL) and PostgreSQL.

`connect(target)` opens a `SQLConnection`: a path (or ":memory:") gives SQLite, a
`postgresql://` / `postgres://` URL gives PostgreSQL through psycopg 3. The store writes its SQL
once, with `?` placeholders and statements both engines accept (`ON CONFLICT ... DO NOTHING /
DO UPDATE`); the few differences (schema types, how a transaction starts, reading a JSON field)
are the connection's job. A connection is used from one thread at a time (the store holds a lock).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from crs.errors import CRSError

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, created REAL NOT NULL, profile TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, catalog TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL, updated REAL NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, turn INTEGER NOT NULL,
    user_text TEXT NOT NULL, reply TEXT NOT NULL, action TEXT NOT NULL, payload TEXT NOT NULL,
    ts REAL NOT NULL, UNIQUE(session_id, turn));
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, user_id TEXT NOT NULL,
    item_id TEXT NOT NULL, value INTEGER NOT NULL, ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL, user_id TEXT NOT NULL,
    session_id TEXT NOT NULL, text TEXT NOT NULL, polarity INTEGER NOT NULL, ts REAL NOT NULL);
CREATE INDEX IF NOT EXISTS turns_session ON turns(session_id, turn);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id, updated);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions(updated);
CREATE INDEX IF NOT EXISTS sessions_recent ON sessions(updated, user_id, id);
CREATE INDEX IF NOT EXISTS feedback_user ON feedback(user_id);
CREATE INDEX IF NOT EXISTS reviews_item ON reviews(item_id);
"""

POSTGRES_SCHEMA = (SQLITE_SCHEMA.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
                   .replace(" REAL ", " DOUBLE PRECISION "))
"""The same tables in PostgreSQL: BIGSERIAL ids, double-precision timestamps."""


class StoreError(CRSError):
    """The database cannot be opened, is not a crs store, or a request on it is invalid."""


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class SQLConnection(Protocol):
    """One open database: `execute` with `?` placeholders, `begin` a write transaction."""

    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    def begin(self) -> None: ...

    def json_field(self, column: str, key: str) -> str:
        """SQL for the JSON text of `column`'s top-level `key` (NULL when absent)."""
        ...

    def close(self) -> None: ...


def is_url(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


def connect(target: str | Path, durable: bool = False) -> SQLConnection:
    """SQLite for a path or ":memory:", PostgreSQL for a postgresql:// URL; StoreError if it cannot open."""
    return PostgresConnection(str(target)) if is_url(target) else SQLiteConnection(target, durable)


class SQLiteConnection:
    """SQLite in WAL mode; `synchronous=NORMAL` survives kill -9 with no committed transaction lost
    (`durable=True`: FULL, which also survives power loss). `BEGIN IMMEDIATE` takes the write lock
    at the start of a transaction; other processes wait up to 30 s for it."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, durable: bool = False) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._db.executescript(SQLITE_SCHEMA)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot open store {path}: {e}") from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._db.execute(sql, tuple(params))

    def begin(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def json_field(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def close(self) -> None:
        self._db.close()


class PostgresConnection:
    """PostgreSQL through psycopg 3 in autocommit mode with explicit BEGIN / COMMIT. The schema is
    created under an advisory lock, so several workers starting at once do not race."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - a dependency of the package
            raise StoreError("PostgreSQL stores need the psycopg package (pip install 'psycopg[binary]')") from None
        self.url = url
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=10)
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(4242001)")
                for stmt in POSTGRES_SCHEMA.split(";"):
                    if stmt.strip():
                        self._db.execute(stmt)
        except psycopg.Error as e:
            raise StoreError(f"cannot open store {_redact(url)}: {str(e).strip()}") from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._db.execute(sql.replace("?", "%s"), tuple(params))

    def begin(self) -> None:
        self._db.execute("BEGIN")

    def json_field(self, column: str, key: str) -> str:
        return f"(({column})::json -> '{key}')::text"

    def close(self) -> None:
        self._db.close()


def _redact(url: str) -> str:
    """The URL without its password (errors are printed)."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, cred = head.partition("//")
    return f"{scheme}//{cred.split(':', 1)[0]}:***@{tail}"
