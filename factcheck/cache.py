"""A content-addressed SQLite cache of validated model responses.

The key is a sha256 over everything that determines the answer; only responses that passed
validation are stored, in one transaction, so a failed or interrupted call leaves nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from factcheck.errors import ConfigurationError

__all__ = [
    "CachedResponse",
    "ResponseCache",
    "cache_key",
    "default_cache_dir",
]

logger = logging.getLogger(__name__)

FILENAME = "responses.sqlite3"

# Append-only: each entry moves the database from version i to i + 1.
_MIGRATIONS = (
    """
    CREATE TABLE responses (
        key TEXT PRIMARY KEY,
        created REAL NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        content TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL
    )
    """,
)


class CachedResponse(BaseModel):
    content: str
    input_tokens: int
    output_tokens: int


def default_cache_dir() -> Path:
    configured = os.environ.get("FACTCHECK_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("factcheck", appauthor=False))


def offline_mode() -> bool:
    return os.environ.get("FACTCHECK_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def cache_key(parts: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of ``parts`` (sorted keys, no whitespace)."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """SQLite response store in WAL mode; safe for many threads and processes."""

    def __init__(self, path: Path | str | None = None) -> None:
        path = Path(path) if path is not None else default_cache_dir() / FILENAME
        if path.suffix == "" and (path.is_dir() or not path.exists()):
            path = path / FILENAME
        self.path = path
        self._ready = False
        self._lock = threading.Lock()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self._ensure_ready()
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            yield conn
        finally:
            conn.close()

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot create cache folder {self.path.parent}: {exc}; "
                    "set FACTCHECK_CACHE_DIR or pass cache=False"
                ) from exc
            try:
                try:
                    self._migrate()
                except sqlite3.DatabaseError as exc:
                    if not _is_corruption(exc):
                        raise
                    self._move_aside(exc)
                    self._migrate()
            except (sqlite3.Error, OSError) as exc:
                raise ConfigurationError(
                    f"cannot use the response cache {self.path}: {exc}; "
                    "set FACTCHECK_CACHE_DIR or pass cache=False"
                ) from exc
            self._ready = True

    def _migrate(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, statement in enumerate(_MIGRATIONS[version:], start=version + 1):
                conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
        finally:
            conn.close()

    def _move_aside(self, exc: Exception) -> None:
        if _checks_out(self.path):
            return  # another process got here first and rebuilt it
        stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        number = 1
        while aside.exists():  # never overwrite an earlier damaged file
            number += 1
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{number}")
        logger.warning(
            "cache %s is unreadable (%s); moved to %s and rebuilt", self.path, exc, aside
        )
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                part.replace(Path(f"{aside}{suffix}"))

    def get(self, key: str) -> CachedResponse | None:
        """The stored response, or None. A cache that fails while in use (a disk error,
        a file damaged by something else) counts as a miss, with a warning: the model
        call still works without it."""
        try:
            with self._connect() as conn:
                row = conn.execute(
                    "SELECT content, input_tokens, output_tokens FROM responses WHERE key = ?",
                    (key,),
                ).fetchone()
        except sqlite3.Error as exc:
            logger.warning("cache %s failed on read (%s); treating as a miss", self.path, exc)
            return None
        if row is None:
            return None
        return CachedResponse(content=row[0], input_tokens=row[1], output_tokens=row[2])

    def put(
        self,
        key: str,
        *,
        content: str,
        model: str,
        prompt_version: str,
        input_tokens: int,
        output_tokens: int,
    ) -> None:
        row = (key, time.time(), model, prompt_version, content, input_tokens, output_tokens)
        try:
            with self._connect() as conn:
                # One statement, one transaction: an entry is stored whole or not at all.
                conn.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        except sqlite3.Error as exc:
            logger.warning("cache %s failed on write (%s); response not stored", self.path, exc)

    def __len__(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT count(*) FROM responses").fetchone()[0])


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """A damaged or foreign file, as opposed to a folder we may not write to or a full disk."""
    name = getattr(exc, "sqlite_errorname", "")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "quick_check" in text


def _checks_out(path: Path) -> bool:
    try:
        conn = sqlite3.connect(path, timeout=30)
        try:
            return bool(conn.execute("PRAGMA quick_check").fetchone()[0] == "ok")
        finally:
            conn.close()
    except sqlite3.Error:
        return False
