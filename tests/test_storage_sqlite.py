"""SQLite rules shared by the stores, on every supported Python: retrying a busy start,
opening read-only, refusing to hide unsaved changes, URIs for any path, durable exports."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import PurePosixPath, PureWindowsPath

import numpy as np
import pytest

from fmf_desktop.library import Library, LibraryError, NewExample
from fmf_desktop.storage import sqlite_uri, write_then_replace
from tests.support.storage import pretend_read_only

MODEL = "m"


def example(seed: int) -> NewExample:
    return NewExample(np.random.default_rng(seed).normal(size=8).astype(np.float32))


def python_310_error(message: str) -> sqlite3.OperationalError:
    """A sqlite3 error as Python 3.10 raises it: a message, no ``sqlite_errorname``."""
    error = sqlite3.OperationalError(message)
    assert not hasattr(error, "sqlite_errorname")
    return error


class _Connection:
    """A real connection whose first switches to WAL answer "locked", as when another
    process that is starting too holds the file for a moment."""

    def __init__(self, conn: sqlite3.Connection, busy_answers: int) -> None:
        self._conn = conn
        self._busy_answers = busy_answers

    def execute(self, sql, *args):
        if sql == "PRAGMA journal_mode = WAL" and self._busy_answers:
            self._busy_answers -= 1
            raise python_310_error("database is locked")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def test_a_start_that_finds_the_file_busy_waits_for_it_even_without_error_names(
        tmp_path, monkeypatch):
    real_connect = sqlite3.connect
    monkeypatch.setattr(
        sqlite3, "connect", lambda *a, **k: _Connection(real_connect(*a, **k), busy_answers=3)
    )
    with Library(tmp_path / "library.sqlite3") as lib:
        assert not lib.read_only
        lib.teach("Miku", [example(1)], model=MODEL)
        assert [f.name for f in lib.figures()] == ["Miku"]


def _crashed_library_in(folder, tmp_path):
    """A library whose last change is only in its -wal, as an app killed while saving
    leaves it (no -shm: that is rebuilt by whoever opens it next)."""
    live = tmp_path / "live"
    with Library(live / "library.sqlite3") as lib:
        lib.teach("Miku", [example(1)], model=MODEL)
        # A second reader keeps SQLite from folding the -wal into the file on close.
        reader = sqlite3.connect(live / "library.sqlite3")
        reader.execute("SELECT 1 FROM figures").fetchall()
        lib.teach("Rin", [example(2)], model=MODEL)
    folder.mkdir()
    shutil.copy(live / "library.sqlite3", folder / "library.sqlite3")
    shutil.copy(live / "library.sqlite3-wal", folder / "library.sqlite3-wal")
    reader.close()
    assert (folder / "library.sqlite3-wal").stat().st_size > 0


def _no_wal_index_can_be_made(monkeypatch):
    """What a truly read-only folder does to ``mode=ro`` (tests run as root, for whom
    SQLite could still create the -shm file)."""
    real_connect = sqlite3.connect

    def connect(target, *args, **kwargs):
        if kwargs.get("uri") and "immutable" not in str(target):
            raise python_310_error("unable to open database file")
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)


def test_a_read_only_library_with_unsaved_changes_is_refused_not_shown_without_them(
        tmp_path, monkeypatch):
    folder = tmp_path / "data"
    _crashed_library_in(folder, tmp_path)
    pretend_read_only(monkeypatch, folder)
    _no_wal_index_can_be_made(monkeypatch)
    with pytest.raises(LibraryError, match="not finished saving.*Make its folder writable"):
        Library(folder / "library.sqlite3")

    monkeypatch.undo()  # the folder is writable again: the change was never lost
    with Library(folder / "library.sqlite3") as lib:
        assert [f.name for f in lib.figures()] == ["Miku", "Rin"]


def test_a_read_only_library_closed_cleanly_opens_without_a_wal_index(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    with Library(folder / "library.sqlite3") as lib:
        lib.teach("Miku", [example(1)], model=MODEL)
    pretend_read_only(monkeypatch, folder)
    _no_wal_index_can_be_made(monkeypatch)
    with Library(folder / "library.sqlite3") as lib:
        assert lib.read_only and [f.name for f in lib.figures()] == ["Miku"]


def test_a_folder_whose_name_only_starts_like_a_read_only_one_stays_writable(
        tmp_path, monkeypatch):
    with Library(tmp_path / "data2" / "library.sqlite3") as lib:
        lib.teach("Miku", [example(1)], model=MODEL)
    pretend_read_only(monkeypatch, tmp_path / "data")
    with Library(tmp_path / "data2" / "library.sqlite3") as lib:
        assert not lib.read_only


@pytest.mark.parametrize(("path", "uri"), [
    (PurePosixPath("/home/me/.local/share/fmf/library.sqlite3"),
     "file:///home/me/.local/share/fmf/library.sqlite3?mode=ro"),
    (PurePosixPath("/data/50% off #1?/library.sqlite3"),
     "file:///data/50%25%20off%20%231%3F/library.sqlite3?mode=ro"),
    (PureWindowsPath(r"C:\Users\Me\AppData\Roaming\fmf\library.sqlite3"),
     "file:///C:/Users/Me/AppData/Roaming/fmf/library.sqlite3?mode=ro"),
    # A network share: no URI authority (SQLite refuses one), the share in the path.
    (PureWindowsPath(r"\\server\share\fmf\library.sqlite3"),
     "file:////server/share/fmf/library.sqlite3?mode=ro"),
])
def test_read_only_uris_name_the_file_for_sqlite(path, uri):
    assert sqlite_uri(path, "mode=ro") == uri


def test_an_odd_folder_name_still_opens_read_only(tmp_path, monkeypatch):
    folder = tmp_path / "50% off #1?"
    with Library(folder / "library.sqlite3") as lib:
        lib.teach("Miku", [example(1)], model=MODEL)
    pretend_read_only(monkeypatch, folder)
    with Library(folder / "library.sqlite3") as lib:
        assert lib.read_only and [f.name for f in lib.figures()] == ["Miku"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX only: Windows journals renames itself")
def test_an_export_syncs_its_folder_so_the_new_name_survives_a_power_cut(
        tmp_path, monkeypatch):
    real_fsync = os.fsync
    synced = []

    def fsync(fd):
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with write_then_replace(tmp_path / "backup.bin", ".tmp-") as fh:
        fh.write(b"data")
    assert synced[-1] == os.stat(tmp_path).st_ino  # the rename, after the content
