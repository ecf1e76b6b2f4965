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
import weakref
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from factcheck.errors import ConfigurationError

if TYPE_CHECKING:
    from factcheck.models import Report
from factcheck.settings import Settings, current

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
    # Finished reports, keyed by everything that determines them (see report_key). The
    # content is the report's JSON, zlib-compressed: a long document's report holds the
    # whole text twice (the text and its sentences), and it compresses about fourfold.
    """
    CREATE TABLE reports (
        key TEXT PRIMARY KEY,
        created REAL NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        rules_version TEXT NOT NULL,
        content BLOB NOT NULL
    )
    """,
)


class CachedResponse(BaseModel):
    content: str
    input_tokens: int
    output_tokens: int


def default_cache_dir(settings: Settings | None = None) -> Path:
    configured = (settings or current()).cache_dir
    if configured is not None:
        return configured
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("factcheck", appauthor=False))


def offline_reason(cache: ResponseCache | None) -> str | None:
    """Why a call must not reach a model (what turned offline mode on), or None.

    Either switch turns it on: the cache's own ``offline=True``, or the current settings
    (``FACTCHECK_OFFLINE=1``, ``--offline``, ``factcheck.testing.offline()``), which hold
    with any cache and with none."""
    if cache is not None and cache.offline:
        return "ResponseCache(offline=True)"
    settings = current()
    return settings.offline_source if settings.offline else None


def offline_mode() -> bool:
    """Whether the current settings forbid model calls (see :func:`offline_reason`)."""
    return offline_reason(None) is not None


def cache_key(parts: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of ``parts`` (sorted keys, no whitespace)."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("factcheck")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def report_key(
    *,
    text: str,
    endpoint: str,
    kind: str,
    model: str,
    prompt_version: str,
    rules_version: str,
    options: dict[str, Any],
) -> str:
    """The report cache key: everything that determines a finished report.

    ``text``: the normalised source text (its sha256 goes in the key); ``endpoint`` and
    ``kind``: the endpoint's stable identity; ``rules_version``: the version of the
    library's deterministic rules (segmentation, grounding, selection), bumped whenever
    they change what a report says; ``options``: every caller option that changes the
    report (``repair``, ``chunk_tokens``, ``max_claims``, the answer-changing call
    parameters …), as JSON-able values, so that a new option only needs a new entry.
    """
    parts = {
        "what": "report",
        "text_sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        "endpoint": endpoint,
        "kind": kind,
        "model": model,
        "prompt_version": prompt_version,
        "rules_version": rules_version,
        "package": _package_version(),
        "options": options,
    }
    # An option that is not plain JSON (a caller's mistake the pipeline reports later)
    # still gets a stable key from its repr.
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


class ResponseCache:
    """SQLite response store in WAL mode; safe for many threads and processes.

    Each cache object keeps one connection open (opening one costs far more than a small
    read or write) and serialises its use with a lock. The connection is reopened when the
    process has forked (an SQLite handle must not cross a fork) and when the file was
    replaced or removed under it (so a damaged replacement is seen, not the old inode).
    """

    def __init__(self, path: Path | str | None = None, *, offline: bool = False) -> None:
        path = Path(path) if path is not None else default_cache_dir() / FILENAME
        if path.suffix == "" and (path.is_dir() or not path.exists()):
            path = path / FILENAME
        self.path = path
        #: Answer from this cache only: a miss raises instead of calling a model.
        self.offline = offline
        self._ready = False
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._conn_pid = 0
        self._conn_file: tuple[int, int] | None = None
        self._finalizer: weakref.finalize[[sqlite3.Connection], ResponseCache] | None = None

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return stat.st_dev, stat.st_ino

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """The cache's connection, held under the lock for the duration of the block."""
        self._ensure_ready()
        with self._lock:
            conn = self._conn
            pid = os.getpid()
            if conn is None or self._conn_pid != pid or self._file_identity() != self._conn_file:
                if conn is not None and self._conn_pid == pid:
                    self.close()
                # After a fork the parent's handle is dropped without closing: closing it
                # here could disturb the parent's locks.
                conn = self._open()
                self._conn, self._conn_pid = conn, pid
                self._conn_file = self._file_identity()
                self._finalizer = weakref.finalize(self, _close_quietly, conn)
            yield conn

    def close(self) -> None:
        """Close the connection (a later operation opens a new one)."""
        with self._lock:
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
            if self._conn is not None and self._conn_pid == os.getpid():
                _close_quietly(self._conn)
            self._conn = None
            self._conn_file = None

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

    def get_report(self, key: str) -> Report | None:
        """The stored report, validated, with the usage of a re-run (no call, one cache
        hit); None on a miss. An entry that no longer validates (written by a version
        whose models differ) or cannot be read counts as a miss, with a warning."""
        try:
            with self._connect() as conn:
                row = conn.execute("SELECT content FROM reports WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            logger.warning("cache %s failed on read (%s); treating as a miss", self.path, exc)
            return None
        if row is None:
            return None
        from pydantic import ValidationError

        from factcheck.models import Report, Usage

        try:
            report = Report.model_validate_json(zlib.decompress(row[0]))
        except (zlib.error, ValidationError, ValueError) as exc:
            logger.warning("cached report %s no longer validates (%s); ignoring it", key[:12], exc)
            return None
        report.usage = Usage(cache_hits=1)
        return report

    def put_report(self, key: str, report: Report, *, rules_version: str) -> bool:
        """Store a finished report; returns whether it was stored. A report with a
        ``chunk_failed`` flag is partial (a re-run should try the missing chunks again)
        and is never stored."""
        from factcheck.models import FlagKind

        if any(f.kind == FlagKind.chunk_failed for f in report.flags):
            return False
        content = zlib.compress(report.model_dump_json().encode("utf-8"), 1)
        row = (key, time.time(), report.model, report.prompt_version, rules_version, content)
        try:
            with self._connect() as conn:
                conn.execute("INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?, ?)", row)
        except sqlite3.Error as exc:
            logger.warning("cache %s failed on write (%s); report not stored", self.path, exc)
            return False
        return True

    def __len__(self) -> int:
        """The number of stored model responses (reports are not counted)."""
        with self._connect() as conn:
            return int(conn.execute("SELECT count(*) FROM responses").fetchone()[0])


def _close_quietly(conn: sqlite3.Connection) -> None:
    with suppress(sqlite3.Error):
        conn.close()


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
