"""Export files (the library's .fmflib, the collection's CSV): never over the app's own
data, a normal file mode, and no pile-up of leftovers from killed exports."""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pytest

from fmf_desktop.collection import Collection, CollectionError
from fmf_desktop.library import Library, LibraryError, NewExample
from fmf_desktop.results import CharacterInfo

MIKU = CharacterInfo("miku", "Hatsune Miku", "Vocaloid")


@pytest.fixture
def stores(tmp_path):
    """The app's two live stores, side by side in its data folder."""
    folder = tmp_path / "data"
    with (
        Library(folder / "library.sqlite3") as lib,
        Collection(folder / "collection.sqlite3") as col,
    ):
        lib.teach("Miku", [NewExample(np.ones(8, np.float32))], model="m")
        col.add(MIKU)
        yield lib, col


def test_exporting_over_the_apps_own_data_files_is_refused(stores):
    lib, col = stores
    folder = lib.path.parent
    targets = [
        lib.path,
        folder / "library.sqlite3-wal",
        folder / "library.sqlite3-shm",
        folder / ".." / folder.name / "library.sqlite3",  # the same file spelled otherwise
        col.path,
        folder / "collection.sqlite3-wal",
    ]
    for target in targets:
        with pytest.raises(LibraryError, match="would destroy it"):
            lib.export(target)
        with pytest.raises(CollectionError, match="would destroy it"):
            col.export_csv(target)
    # Both stores are intact, now and on the next start.
    lib.close()
    col.close()
    with Library(lib.path) as again:
        assert [f.name for f in again.figures()] == ["Miku"] and again.integrity_ok()
    with Collection(col.path) as again:
        assert [i.name for i in again.items()] == ["Hatsune Miku"] and again.integrity_ok()


def test_an_earlier_export_can_still_be_replaced(stores, tmp_path):
    lib, col = stores
    assert lib.export(tmp_path / "figures.fmflib") == 1
    assert lib.export(tmp_path / "figures.fmflib") == 1
    assert col.export_csv(tmp_path / "mine.csv") == 1
    assert col.export_csv(tmp_path / "mine.csv") == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_exports_get_the_file_mode_any_saved_file_gets(stores, tmp_path, umask, mode):
    lib, col = stores
    old = os.umask(umask)
    try:
        lib.export(tmp_path / "figures.fmflib")
        col.export_csv(tmp_path / "mine.csv")
    finally:
        os.umask(old)
    assert (tmp_path / "figures.fmflib").stat().st_mode & 0o777 == mode
    assert (tmp_path / "mine.csv").stat().st_mode & 0o777 == mode


def test_leftovers_of_a_killed_export_are_cleaned_up_by_the_next_one(stores, tmp_path):
    lib, col = stores
    hour_ago = time.time() - 3600
    stale = [tmp_path / ".fmf-export-k3x_9a0q", tmp_path / ".fmf-csv-0123abcd"]
    running = tmp_path / ".fmf-export-abcdef12"  # another export, still being written
    other = tmp_path / ".fmf-export-notes.txt"  # not our name shape: the user's file
    for path in (*stale, running, other):
        path.write_bytes(b"partial")
    for path in (*stale, other):
        os.utime(path, (hour_ago, hour_ago))
    lib.export(tmp_path / "figures.fmflib")
    col.export_csv(tmp_path / "mine.csv")
    assert not any(path.exists() for path in stale)
    assert running.exists() and other.exists()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([".fmf-export-abcdef12", ".fmf-export-notes.txt", "data",
                            "figures.fmflib", "mine.csv"])
