"""Small SQLite helpers shared by the taught-figure library and the collection.

Both stores are single-user SQLite files under the app data folder. They share the same
rules: WAL journal (a reader never blocks the writer, and a killed process leaves the
last committed transaction intact), every change inside one explicit transaction, and a
schema versioned with ``PRAGMA user_version`` plus an ordered list of migrations.
Low-level ``sqlite3``/``OSError`` failures are turned into one exception type per store
whose message a user can act on (read-only folder, full disk, newer file format ...).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

Migration = Sequence[str]  # SQL statements applied together in one transaction


class StorageError(Exception):
    """A store could not be opened, read or written; the message is meant for users."""


def utc_now() -> str:
    """Timestamps are stored as ISO-8601 UTC text so they sort and export as-is."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def explain(exc: BaseException, what: str, path: Path) -> str:
    """A user-facing sentence for a low-level failure while touching ``path``."""
    text = str(exc).lower()
    err = getattr(exc, "errno", None)
    if err == errno.ENOSPC or "disk is full" in text or "no space" in text:
        reason = "the disk is full. Free some space and try again"
    elif (
        err in (errno.EACCES, errno.EPERM, errno.EROFS)
        or "readonly" in text
        or "read-only" in text
        or "permission denied" in text
    ):
        reason = "the folder or file is read-only. Check its permissions"
    elif err in (errno.ENOTDIR, errno.EEXIST) or "not a directory" in text:
        reason = "a file is in the way where a folder is expected"
    elif "unable to open" in text:
        reason = "the file cannot be opened (is the folder writable and does it exist?)"
    elif "not a database" in text or "malformed" in text:
        reason = "the file is damaged or is not a Find My Figurine file"
    elif "locked" in text or "busy" in text:
        reason = "another program is using it. Close it and try again"
    else:
        reason = str(exc) or type(exc).__name__
    return f"Could not {what} {path}: {reason}."


class Database:
    """One SQLite connection with migrations, explicit transactions and a lock.

    The connection is shared between the GUI thread and QThreadPool workers, so it is
    opened with ``check_same_thread=False`` and every use goes through ``self.lock``.
    """

    def __init__(
        self,
        path: str | Path,
        migrations: Sequence[Migration],
        error: type[StorageError],
        kind: str,
    ) -> None:
        self.path = Path(path)
        self._error = error
        self._kind = kind
        self.lock = threading.RLock()
        self._changes = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing is ever
            # committed implicitly half-way through a change.
            self.conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=10
            )
        except (OSError, sqlite3.Error) as exc:
            raise error(explain(exc, f"open the {kind} at", self.path)) from exc
        try:
            self.conn.execute("PRAGMA foreign_keys = ON")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                # e.g. a file system without shared memory support; still transactional.
                self.conn.execute("PRAGMA journal_mode = DELETE")
            # FULL: a committed change survives even a power cut, not only a killed app;
            # our writes are small and rare, so the extra fsync is not noticeable.
            self.conn.execute("PRAGMA synchronous = FULL")
            self._migrate(migrations)
        except (OSError, sqlite3.Error) as exc:
            self.conn.close()
            raise error(explain(exc, f"open the {kind} at", self.path)) from exc

    # -- schema -------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        with self.lock:
            return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        current = self.schema_version
        if current > len(migrations):
            raise self._error(
                f"The {self._kind} at {self.path} was written by a newer version of "
                f"Find My Figurine (format {current}; this version reads up to "
                f"{len(migrations)}). Update the app to use it."
            )
        for version in range(current, len(migrations)):
            with self.transaction("upgrade the"):
                for statement in migrations[version]:
                    self.conn.execute(statement)
                # PRAGMA user_version is transactional: a crash mid-migration rolls the
                # version back together with the half-applied statements.
                self.conn.execute(f"PRAGMA user_version = {version + 1}")

    # -- transactions -------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, what: str = "save to the") -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolls back and raises a clear error on failure."""
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(explain(exc, f"{what} {self._kind} at", self.path)) from exc
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, (sqlite3.Error, OSError)):
                    raise self._error(
                        explain(exc, f"{what} {self._kind} at", self.path)
                    ) from exc
                raise
            self._changes += 1

    def query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self.lock:
            try:
                cur = self.conn.execute(sql, params)
                cur.row_factory = sqlite3.Row
                return cur.fetchall()
            except sqlite3.Error as exc:
                raise self._error(explain(exc, f"read the {self._kind} at", self.path)) from exc

    @property
    def revision(self) -> tuple[int, int]:
        """Changes by this connection plus ``data_version`` (bumped by other connections)."""
        with self.lock:
            try:
                other = int(self.conn.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error:
                other = -1
            return (self._changes, other)

    def integrity_ok(self) -> bool:
        rows = self.query("PRAGMA integrity_check")
        return len(rows) == 1 and rows[0][0] == "ok"

    def close(self) -> None:
        with self.lock, contextlib.suppress(sqlite3.Error):
            self.conn.close()
