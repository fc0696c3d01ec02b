"""Small SQLite helpers shared by the taught-figure library and the collection.

Both stores are single-user SQLite files under the app data folder. They share the same
rules: WAL journal (a reader never blocks the writer, and a killed process leaves the
last committed transaction intact), every change inside one explicit transaction, and a
schema versioned with ``PRAGMA user_version`` plus an ordered list of migrations.
Low-level ``sqlite3``/``OSError`` failures are turned into one exception type per store
whose message a user can act on (read-only folder, full disk, newer file format ...).

A store whose file exists but cannot be written (read-only folder or file) is opened
read-only: recognition and browsing keep working, and every change fails with a
"read-only" message. Exports are written through ``write_then_replace`` so a failed or
killed export never leaves a half-written file under the user's chosen name.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import os
import re
import secrets
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePath
from typing import IO, Any

Migration = Sequence[str]  # SQL statements applied together in one transaction

BUSY_TIMEOUT_S = 10.0  # how long to wait for another process's write to finish
SQLITE_HEADER = b"SQLite format 3\x00"
# Files SQLite keeps next to a database while it is in use; overwriting one loses data.
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")
# An export's temporary file older than this is a leftover of a killed export (writing
# one takes seconds), so the next export to the same folder removes it.
STALE_TEMP_AGE_S = 15 * 60
_TEMP_SUFFIX_CHARS = 8  # random part of a temporary name (tempfile.mkstemp's length too)
# SQLite's fixed English message for each primary result code we act on: Python 3.10
# gives only the message (``sqlite_errorname`` is new in 3.11).
_SQLITE_CODE_BY_MESSAGE = (
    ("database is locked", "SQLITE_BUSY"),
    ("database table is locked", "SQLITE_LOCKED"),
    ("attempt to write a readonly database", "SQLITE_READONLY"),
    ("unable to open database file", "SQLITE_CANTOPEN"),
    ("disk i/o error", "SQLITE_IOERR"),
    ("database or disk is full", "SQLITE_FULL"),
    ("access permission denied", "SQLITE_PERM"),
)
# Windows: the file is open in another program that does not share it (Excel keeps an
# open CSV locked): ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION.
_WINERROR_IN_USE = (32, 33)


class StorageError(Exception):
    """A store could not be opened, read or written; the message is meant for users."""


def utc_now() -> str:
    """Timestamps are stored as ISO-8601 UTC text so they sort and export as-is."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _sqlite_code(exc: BaseException) -> str:
    """SQLite's result code name ("SQLITE_BUSY", "SQLITE_IOERR_SHMSIZE" ...) of a
    ``sqlite3`` error, or "" when there is none.

    Python 3.11+ names it on the exception; on 3.10 the primary code is recognised by its
    message, so retries and read-only fallbacks work there too.
    """
    named = getattr(exc, "sqlite_errorname", None)
    if named:
        return str(named)
    if not isinstance(exc, sqlite3.Error):
        return ""
    text = str(exc).lower()
    return next((code for message, code in _SQLITE_CODE_BY_MESSAGE if message in text), "")


def explain(exc: BaseException, what: str, path: Path) -> str:
    """A user-facing sentence for a low-level failure while touching ``path``."""
    text = str(exc).lower()
    err = getattr(exc, "errno", None)
    sqlite_code = _sqlite_code(exc)
    if getattr(exc, "winerror", None) in _WINERROR_IN_USE:
        # Windows reports this as "permission denied" too: checked first, or the user is
        # sent to check permissions that are fine.
        reason = "it is open in another program; close it there and try again"
    elif (
        err == errno.ENOSPC
        or sqlite_code == "SQLITE_FULL"
        or "disk is full" in text
        or "no space" in text
    ):
        reason = "the disk is full. Free some space and try again"
    elif (
        err in (errno.EACCES, errno.EPERM, errno.EROFS)
        or sqlite_code.startswith("SQLITE_READONLY")
        or "readonly" in text
        or "read-only" in text
        or "permission denied" in text
    ):
        reason = "the folder or file is read-only. Check its permissions"
    elif sqlite_code.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        # What SQLite reports when it cannot grow its WAL index (-shm) on a full disk,
        # which is the usual cause on a desktop; a failing drive reads the same.
        reason = (
            "the disk may be full (or the drive reported an error). "
            "Free some space and try again"
        )
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


def _can_write(path: Path) -> bool:
    """Whether ``path`` and its folder (where SQLite keeps -wal/-shm) are writable.

    ``os.access`` also answers False on a read-only mount, even for root.
    """
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _refused_writing(exc: BaseException) -> bool:
    """Whether opening for writing failed because writing is not allowed there."""
    return (
        _sqlite_code(exc).startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM"))
        or getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS)
    )


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
        #: True when the file could only be opened for reading; every change then fails.
        self.read_only = False
        if self.path.exists() and not _can_write(self.path):
            self._open_read_only(len(migrations))
            return
        try:
            self._open_writable(migrations)
        except (OSError, sqlite3.Error) as exc:
            if self.path.exists() and _refused_writing(exc):
                self._open_read_only(len(migrations))
                return
            raise error(explain(exc, f"open the {kind} at", self.path)) from exc

    def _open_writable(self, migrations: Sequence[Migration]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing is ever
        # committed implicitly half-way through a change.
        self.conn = sqlite3.connect(
            str(self.path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
        )
        try:
            self.conn.execute("PRAGMA foreign_keys = ON")
            if self._switch_to_wal() != "wal":
                # e.g. a file system without shared memory support; still transactional.
                self.conn.execute("PRAGMA journal_mode = DELETE")
            # FULL: a committed change survives even a power cut, not only a killed app;
            # our writes are small and rare, so the extra fsync is not noticeable.
            self.conn.execute("PRAGMA synchronous = FULL")
            self._migrate(migrations)
        except BaseException:
            self.conn.close()
            raise

    def _switch_to_wal(self) -> str:
        """``PRAGMA journal_mode = WAL``; returns the journal mode now in use.

        Switching an older rollback-journal file needs it to itself for a moment, and
        SQLite answers "locked" at once (no busy timeout) while another process that is
        starting too holds it, so it is retried for as long as the busy timeout.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                return str(self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
            except sqlite3.OperationalError as exc:
                busy = _sqlite_code(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
                if not busy or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _open_read_only(self, schema_version: int) -> None:
        """Open the existing file for reading only, or raise the store's error.

        ``mode=ro`` reads a WAL database, committed WAL content included, when its
        -wal/-shm files exist or can be created. In a read-only folder without them
        (the app closed cleanly) SQLite cannot make its WAL index, so ``immutable=1``
        reads the main file, which then holds everything committed. After a crash the
        -wal still holds committed changes that ``immutable=1`` would not see, so then
        the store is refused instead of silently opened without them.
        """
        failure: BaseException | None = None
        for options in ("mode=ro", "mode=ro&immutable=1"):
            if "immutable" in options and self._has_unsaved_wal():
                raise self._error(
                    f"The {self._kind} at {self.path} has changes that were not "
                    "finished saving (the app stopped while saving), and its folder is "
                    "read-only. Make its folder writable once and start the app again "
                    "to finish saving them."
                ) from failure
            try:
                conn = sqlite3.connect(
                    sqlite_uri(self.path.resolve(), options),
                    uri=True,
                    isolation_level=None,
                    check_same_thread=False,
                    timeout=BUSY_TIMEOUT_S,
                )
            except sqlite3.Error as exc:
                failure = exc
                continue
            try:
                # The first read is where SQLite opens the WAL index, so it can fail here.
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc:
                conn.close()
                failure = exc
                continue
            if version != schema_version:
                conn.close()
                self._check_not_newer(version, schema_version)
                raise self._error(
                    f"The {self._kind} at {self.path} is read-only and was made by an "
                    "older version of Find My Figurine, so it cannot be upgraded. Make "
                    "its folder writable and start the app again."
                )
            self.conn = conn
            self.read_only = True
            return
        assert failure is not None
        raise self._error(explain(failure, f"open the {self._kind} at", self.path)) from failure

    def _has_unsaved_wal(self) -> bool:
        try:
            return Path(f"{self.path}-wal").stat().st_size > 0
        except FileNotFoundError:
            return False
        except OSError:
            return True  # cannot tell: do not risk hiding committed changes

    # -- schema -------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        with self.lock:
            return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _check_not_newer(self, current: int, known: int) -> None:
        if current > known:
            raise self._error(
                f"The {self._kind} at {self.path} was written by a newer version of "
                f"Find My Figurine (format {current}; this version reads up to "
                f"{known}). Update the app to use it."
            )

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        known = len(migrations)
        current = self.schema_version
        if current == known:
            return  # the usual start: nothing to change, no write lock needed
        self._check_not_newer(current, known)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process starting at the same moment
            # (first start, the GUI and the CLI) may have migrated while we waited, and
            # running its steps again would fail ("table already exists").
            current = self.schema_version
            self._check_not_newer(current, known)
            for version in range(current, known):
                for statement in migrations[version]:
                    self.conn.execute(statement)
            # PRAGMA user_version is transactional: a crash mid-migration rolls the
            # version back together with the half-applied statements.
            self.conn.execute(f"PRAGMA user_version = {known}")
            self.conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise

    # -- transactions -------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, what: str = "save to the") -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolls back and raises a clear error on failure."""
        if self.read_only:
            raise self._error(
                f"Could not {what} {self._kind} at {self.path}: it is open read-only "
                "because its folder or file cannot be written. Check the permissions, "
                "then start the app again."
            )
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

    def refuse_as_export_target(self, target: Path, what: str) -> None:
        """Raise the store's error when writing ``target`` would destroy a database.

        That is this store's own file or its -wal/-shm (however the path is spelled),
        or any other SQLite database such as the other store next to it: an export
        written there replaces the live file and the data is gone on the next start.
        """
        own = [self.path, *(Path(f"{self.path}{suffix}") for suffix in COMPANION_SUFFIXES)]
        if any(_same_file(target, candidate) for candidate in own) or _is_database_file(
            target
        ):
            raise self._error(
                f"Could not {what} {target}: that is a database file (such as Find My "
                "Figurine's own library or collection) and the export would destroy "
                "it. Choose another file name."
            )

    def close(self) -> None:
        with self.lock, contextlib.suppress(sqlite3.Error):
            self.conn.close()


def sqlite_uri(path: PurePath, options: str) -> str:
    """A SQLite ``file:`` URI for the absolute ``path`` with query ``options``.

    Not ``Path.as_uri()``: for a Windows network path that gives
    ``file://server/share/...``, and SQLite refuses any URI authority but "localhost".
    Here the authority is always empty, so a network path keeps its two leading slashes
    in the path (``file:////server/share/...``), and a drive path reads
    ``file:///C:/...``.
    """
    posix = path.as_posix()
    if not posix.startswith("/"):
        posix = "/" + posix  # a drive path: SQLite drops the slash before "C:"
    # "?" and "#" in a name would start the query or fragment; "%" an escape.
    return f"file://{urllib.parse.quote(posix, safe='/:')}?{options}"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they would be
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _is_database_file(target: Path) -> bool:
    """Whether ``target`` is a SQLite database or one of its -wal/-shm/-journal files."""
    base = target
    for suffix in COMPANION_SUFFIXES:
        if target.name.endswith(suffix):
            base = target.with_name(target.name[: -len(suffix)])
            break
    try:
        with open(base, "rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


# -- writing export files --------------------------------------------------------------
def remove_stale_temp_files(folder: Path, prefix: str, max_age_s: float = STALE_TEMP_AGE_S) -> int:
    """Delete our own temporary files (``prefix`` + 8 random characters) older than
    ``max_age_s`` in ``folder``: leftovers of an export that was killed. Returns how many.

    Only plain files with exactly our name shape are touched, and only old ones, so an
    export still running in another process keeps its file.
    """
    shape = re.compile(re.escape(prefix) + f"[a-z0-9_]{{{_TEMP_SUFFIX_CHARS}}}")
    cutoff = time.time() - max_age_s
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not shape.fullmatch(entry.name):
            continue
        with contextlib.suppress(OSError):
            if (
                entry.is_file(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < cutoff
            ):
                os.unlink(entry.path)
                removed += 1
    return removed


def _create_temp_file(folder: Path, prefix: str) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        candidate = folder / f"{prefix}{secrets.token_hex(_TEMP_SUFFIX_CHARS // 2)}"
        try:
            # 0o666 filtered by the umask, like any file the user saves (tempfile.mkstemp
            # would make the export 0o600, unreadable to others who share it).
            return os.open(candidate, flags, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


@contextlib.contextmanager
def write_then_replace(
    target: Path, temp_prefix: str, *, encoding: str | None = None
) -> Iterator[IO[Any]]:
    """A file object whose content replaces ``target`` only once it is complete.

    Written next to the target and renamed, so a failed export never leaves a half-written
    file under the name the user chose; binary unless ``encoding`` is given (text, no
    newline translation). Raises ``OSError``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(target.parent, temp_prefix)
    fd, temp = _create_temp_file(target.parent, temp_prefix)
    try:
        if encoding is None:
            fh: IO[Any] = os.fdopen(fd, "wb")
        else:
            fh = os.fdopen(fd, "w", encoding=encoding, newline="")
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())  # an export is a backup: it must survive a power cut
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(target.parent)  # ...and so must the rename that gave it its name


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename) to disk on POSIX.

    Windows cannot open a folder this way and its file systems journal renames anyway.
    Best effort: the export is complete and in place; some file systems refuse to sync
    a folder.
    """
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
