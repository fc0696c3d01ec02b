"""The taught-figure library: teaching, editing, one-file export/import, migrations, errors."""

from __future__ import annotations

import base64
import json
import sqlite3
import unicodedata
import zipfile

import numpy as np
import pytest

from fmf_desktop.library import (
    MIGRATIONS,
    Library,
    LibraryError,
    NewExample,
    decode_thumbnail,
    make_thumbnail,
)
from tests.support.storage import pretend_read_only

DIM = 64
MODEL = "model-a"


def unit(seed: int, dim: int = DIM) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def example(seed: int, thumb: bool = True) -> NewExample:
    rgb = np.full((40, 30, 3), seed * 20 % 255, np.uint8)
    return NewExample(unit(seed), make_thumbnail(rgb) if thumb else None, f"photo-{seed}.jpg")


@pytest.fixture
def lib(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as library:
        yield library


def test_teach_stores_figure_with_examples_and_thumbnails(lib):
    fig = lib.teach(
        "  Hatsune   Miku ", [example(1), example(2)], franchise="Vocaloid", model=MODEL
    )
    assert fig.name == "Hatsune Miku"
    assert fig.franchise == "Vocaloid"
    assert fig.examples == 2
    # A taught figure's id (as shown in JSON) is its name.
    assert fig.character.id == "Hatsune Miku" and fig.character.taught
    examples = lib.examples(fig.id)
    assert [e.source for e in examples] == ["photo-1.jpg", "photo-2.jpg"]
    assert lib.cover_thumbnails() == {fig.id: examples[0].thumbnail}
    assert decode_thumbnail(examples[0].thumbnail).shape == (40, 30, 3)


def test_teaching_an_existing_name_adds_examples_case_insensitively(lib):
    lib.teach("Miku", [example(1)], model=MODEL)
    fig = lib.teach("miku", [example(2), example(3)], franchise="Vocaloid", model=MODEL)
    assert [f.name for f in lib.figures()] == ["Miku"]
    assert fig.examples == 3
    assert fig.franchise == "Vocaloid"  # filled in because it was empty


def test_count_is_the_number_of_figures_not_of_photos(lib):
    assert lib.count() == 0
    miku = lib.teach("Miku", [example(1), example(2)], model=MODEL)
    lib.teach("Rin", [example(3)], model=MODEL)
    assert lib.count() == 2 == len(lib.figures())
    lib.delete_figure(miku.id)
    assert lib.count() == 1


def test_the_same_photo_taught_twice_is_stored_once(lib):
    lib.teach("Miku", [example(1)], model=MODEL)
    fig = lib.teach("Miku", [example(1)], model=MODEL)
    assert fig.examples == 1


def test_bad_teach_input_is_refused_with_a_message_and_changes_nothing(lib):
    with pytest.raises(LibraryError, match="needs a name"):
        lib.teach("   ", [example(1)])
    with pytest.raises(LibraryError, match="at least one photo"):
        lib.teach("Miku", [])
    with pytest.raises(LibraryError, match="no usable embedding"):
        lib.teach("Miku", [example(1), NewExample(np.zeros(DIM, np.float32))])
    assert lib.figures() == []


def test_rename_edit_and_delete(lib):
    a = lib.teach("Miku", [example(1), example(2)], model=MODEL)
    b = lib.teach("Rin", [example(3)], model=MODEL)
    assert lib.rename(a.id, "Hatsune Miku").name == "Hatsune Miku"
    assert lib.edit(a.id, franchise="Vocaloid").franchise == "Vocaloid"
    with pytest.raises(LibraryError, match="already exists"):
        lib.rename(b.id, "hatsune miku")
    assert lib.figure(b.id).name == "Rin"  # the failed rename changed nothing

    first = lib.examples(a.id)[0]
    lib.delete_example(first.id)
    assert lib.figure(a.id).examples == 1
    lib.delete_figure(a.id)
    assert [f.name for f in lib.figures()] == ["Rin"]
    # Examples of a deleted figure go with it.
    assert lib.embedding_table(MODEL).matrix.shape == (1, DIM)
    with pytest.raises(LibraryError, match="no longer in the library"):
        lib.add_examples(a.id, [example(9)], model=MODEL)


def test_embedding_table_only_uses_the_current_models_embeddings(lib):
    lib.teach("Miku", [example(1)], model="old-model")
    lib.teach("Rin", [example(2)], model=MODEL)
    table = lib.embedding_table(MODEL, DIM)
    assert [table.figures[i].name for i in table.owner] == ["Rin"]
    np.testing.assert_allclose(table.matrix[0], unit(2), atol=1e-6)
    # Examples made with another model can be re-embedded from their thumbnails.
    stale = lib.stale_examples(MODEL)
    assert len(stale) == 1
    decode_thumbnail(stale[0][1])
    lib.set_embeddings([(stale[0][0], unit(5))], MODEL)
    assert lib.embedding_table(MODEL, DIM).matrix.shape == (2, DIM)
    assert lib.stale_examples(MODEL) == []


def test_export_then_import_on_another_computer_round_trips(lib, tmp_path):
    lib.teach("Miku", [example(1), example(2)], franchise="Vocaloid", model=MODEL)
    lib.teach("Rin", [example(3, thumb=False)], model=MODEL)
    out = tmp_path / "export" / "my figures.fmflib"
    assert lib.export(out) == 2
    assert zipfile.is_zipfile(out)

    with Library(tmp_path / "other.sqlite3") as other:
        report = other.import_file(out)
        assert (report.figures_added, report.examples_added) == (2, 3)
        figs = {f.name: f for f in other.figures()}
        assert figs["Miku"].franchise == "Vocaloid" and figs["Miku"].examples == 2
        assert other.examples(figs["Miku"].id)[0].thumbnail == lib.examples(1)[0].thumbnail
        a = lib.embedding_table(MODEL, DIM)
        b = other.embedding_table(MODEL, DIM)
        np.testing.assert_array_equal(np.sort(a.matrix, axis=0), np.sort(b.matrix, axis=0))
        # Importing again merges: nothing is duplicated.
        again = other.import_file(out)
        assert (again.figures_merged, again.examples_added, again.examples_skipped) == (2, 0, 3)
        assert sum(f.examples for f in other.figures()) == 3


def test_import_merges_into_a_figure_with_the_same_name(lib, tmp_path):
    lib.teach("Miku", [example(1)], model=MODEL)
    with Library(tmp_path / "other.sqlite3") as other:
        other.teach("MIKU", [example(2)], franchise="Vocaloid", model=MODEL)
        other.export(tmp_path / "x.zip")
    report = lib.import_file(tmp_path / "x.zip")
    assert (report.figures_added, report.figures_merged, report.examples_added) == (0, 1, 1)
    (fig,) = lib.figures()
    assert (fig.name, fig.franchise, fig.examples) == ("Miku", "Vocaloid", 2)


@pytest.mark.parametrize("content", [b"not a zip at all", b""])
def test_importing_a_wrong_file_says_so_and_keeps_the_library(lib, tmp_path, content):
    lib.teach("Miku", [example(1)], model=MODEL)
    bad = tmp_path / "holiday.jpg"
    bad.write_bytes(content)
    with pytest.raises(LibraryError, match="not a Find My Figurine library export"):
        lib.import_file(bad)
    with pytest.raises(LibraryError, match="does not exist"):
        lib.import_file(tmp_path / "missing.zip")
    assert [f.examples for f in lib.figures()] == [1]


def write_export(path, figures, version=1, thumbnails=None):
    """An export file as another app (or a damaged copy) might have written it."""
    doc = {"format": "fmf-library", "version": version, "figures": figures}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("library.json", json.dumps(doc))
        for name, data in (thumbnails or {}).items():
            zf.writestr(name, data)
    return path


def exported(vector, model=MODEL):
    return {"embedding": base64.b64encode(np.asarray(vector, np.float32).tobytes()).decode(),
            "model": model, "thumbnail": None, "source": "elsewhere.jpg"}


def test_figures_without_a_name_or_a_usable_photo_are_skipped_and_reported(lib, tmp_path):
    zeros = np.zeros(DIM, np.float32)
    path = write_export(tmp_path / "x.fmflib", [
        {"name": "Miku", "examples": [exported(unit(1))]},
        {"name": "No photos", "examples": []},
        {"name": "Blank photos", "examples": [exported(zeros), exported(zeros)]},
        {"name": None, "examples": [exported(unit(2))]},
        {"name": "", "examples": [exported(unit(3))]},
        {"name": "\u200b", "examples": [exported(unit(4))]},
    ])
    report = lib.import_file(path)
    assert [(f.name, f.examples) for f in lib.figures()] == [("Miku", 1)]  # no 'None'
    assert report.figures_added == 1 and report.figures_skipped == 5
    # The blank photos were not "already present": they were unusable.
    assert (report.examples_added, report.examples_skipped, report.examples_unusable) == (
        1, 0, 2)
    assert "5 figures skipped" in report.summary()
    assert "2 damaged examples skipped" in report.summary()


def test_an_export_from_a_newer_app_says_so_even_with_a_text_version(lib, tmp_path):
    for version in (2, "2.0"):
        path = write_export(tmp_path / "new.fmflib", [], version=version)
        with pytest.raises(LibraryError, match="newer version of Find My Figurine"):
            lib.import_file(path)


def test_an_import_with_an_embedding_of_the_wrong_size_never_breaks_matching(lib, tmp_path):
    lib.teach("Miku", [example(1)], model=MODEL)
    odd = np.ones(16, np.float32)  # same model key, but not this model's embedding size
    path = write_export(tmp_path / "odd.fmflib", [
        {"name": "Odd", "examples": [exported(odd)]},
        {"name": "Rin", "examples": [exported(unit(2)), exported(odd)]},
    ])
    report = lib.import_file(path)
    assert [(f.name, f.examples) for f in lib.figures()] == [("Miku", 1), ("Rin", 1)]
    assert (report.examples_added, report.examples_unusable, report.figures_skipped) == (
        1, 2, 1)
    table = lib.embedding_table(MODEL)  # no size given: as the CLI's identify asks
    assert table.matrix.shape == (2, DIM)
    # A fresh library takes the size most of the file's examples share.
    with Library(tmp_path / "fresh.sqlite3") as fresh:
        fresh.import_file(path)
        assert [(f.name, f.examples) for f in fresh.figures()] == [("Odd", 1), ("Rin", 1)]
        assert fresh.embedding_table(MODEL).matrix.shape == (2, 16)


def test_embedding_table_leaves_out_examples_of_another_size_instead_of_failing(lib):
    lib.teach("Miku", [example(1), example(2)], model=MODEL)
    lib.teach("Odd", [NewExample(np.ones(16, np.float32))], model=MODEL)
    table = lib.embedding_table(MODEL)
    assert table.matrix.shape == (2, DIM)
    assert {table.figures[i].name for i in table.owner} == {"Miku"}
    assert lib.embedding_table(MODEL, 16).matrix.shape == (1, 16)


def test_a_damaged_or_absurd_export_file_is_refused_with_a_plain_message(lib, tmp_path):
    lib.teach("Miku", [example(1)], model=MODEL)
    lib.export(tmp_path / "good.fmflib")
    with zipfile.ZipFile(tmp_path / "good.fmflib") as zf:
        doc = zf.read("library.json")
    corrupt = tmp_path / "corrupt.fmflib"
    with zipfile.ZipFile(corrupt, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("library.json", doc)
    data = bytearray(corrupt.read_bytes())
    start = data.find(b"library.json") + len("library.json") + 20
    data[start : start + 30] = b"\xff" * 30  # inside the compressed stream
    corrupt.write_bytes(bytes(data))
    deep = tmp_path / "deep.fmflib"
    with zipfile.ZipFile(deep, "w") as zf:
        zf.writestr("library.json", '{"format": "fmf-library", "version": 1, "figures": [],'
                    ' "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    for path in (corrupt, deep):
        with pytest.raises(LibraryError, match="not a Find My Figurine library export"):
            lib.import_file(path)
    assert [f.examples for f in lib.figures()] == [1]


def test_database_is_wal_and_versioned(lib):
    mode = sqlite3.connect(lib.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert lib.schema_version == len(MIGRATIONS)


def test_an_old_library_is_migrated_keeping_its_figures(tmp_path):
    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO figures(name, franchise, created) VALUES ('Miku', '', 'then')")
    for seed in (1, 2):
        conn.execute(
            "INSERT INTO examples(figure_id, embedding, created) VALUES (1, ?, 'then')",
            (unit(seed).tobytes(),),
        )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Library(path) as lib:
        assert lib.schema_version == len(MIGRATIONS)
        (fig,) = lib.figures()
        assert (fig.name, fig.examples) == ("Miku", 2)
        # Version-1 examples did not record their model; they keep the unknown-model key
        # and, having no thumbnails here, are not offered for re-embedding.
        assert lib.stale_examples(MODEL) == []
        assert lib.embedding_table("", DIM).matrix.shape == (2, DIM)
        assert lib.integrity_ok()


def test_a_library_from_a_newer_app_is_refused_clearly(tmp_path):
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(LibraryError, match="newer version of Find My Figurine"):
        Library(path)


def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path):
    path = tmp_path / "lib.sqlite3"
    path.write_bytes(b"hello, this is a text file pretending" * 100)
    with pytest.raises(LibraryError, match="damaged or is not a Find My Figurine file"):
        Library(path)


def test_unwritable_location_gives_a_clear_error(tmp_path):
    # Tests run as root, where chmod 0o555 does not stop writes; a plain file where the
    # library's folder should be fails for root too, like a read-only location would.
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(LibraryError) as info:
        Library(blocker / "lib.sqlite3")
    assert "Could not open the figure library" in str(info.value)
    assert str(blocker) in str(info.value)


class _FullDisk:
    """Stands in for the sqlite3 connection once the disk is full: writes fail."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    def close(self) -> None:
        self._conn.close()


def test_full_disk_gives_a_clear_error_and_loses_nothing(lib):
    lib.teach("Miku", [example(1)], model=MODEL)
    real = lib._db.conn
    # sqlite3.Connection is a C type whose methods cannot be patched, so the whole
    # connection is swapped for one that fails writes the way SQLite does on ENOSPC.
    lib._db.conn = _FullDisk(real)
    try:
        with pytest.raises(LibraryError, match="disk is full"):
            lib.teach("Rin", [example(2)], model=MODEL)
        with pytest.raises(LibraryError, match="disk is full"):
            lib.rename(1, "Hatsune Miku")
        # Reading (and so recognition) keeps working.
        assert [f.name for f in lib.figures()] == ["Miku"]
    finally:
        lib._db.conn = real
    assert [f.name for f in lib.figures()] == ["Miku"]
    assert lib.integrity_ok()


def test_export_to_an_unwritable_place_is_a_clear_error(lib, tmp_path):
    lib.teach("Miku", [example(1)], model=MODEL)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LibraryError, match="Could not export"):
        lib.export(blocker / "out.zip")


def test_extra_views_follow_their_photo_and_are_dropped_when_it_is_re_embedded(lib):
    lib.teach("Miku", [example(1), example(2)], model=MODEL)
    missing = lib.examples_without_views(MODEL)
    assert len(missing) == 2 and all(thumb for _, thumb in missing)
    first_id = missing[0][0]
    lib.set_views([(first_id, np.stack([unit(10), unit(11)])), (missing[1][0], np.zeros((0, DIM)))])
    assert lib.examples_without_views(MODEL) == []
    table = lib.embedding_table(MODEL, DIM)
    # Photo 1, its two views, photo 2 (whose views could not be made).
    assert table.matrix.shape == (4, DIM)
    assert table.example.tolist() == [first_id] * 3 + [missing[1][0]]
    assert np.allclose(table.matrix[1], unit(10))
    assert lib.figures()[0].examples == 2  # views are not photos
    # A new model re-embeds photo 1: its old views are stale and must be made again.
    lib.set_embeddings([(first_id, unit(20))], "model-b")
    assert [i for i, _ in lib.examples_without_views("model-b")] == [first_id]
    assert lib.embedding_table("model-b", DIM).matrix.shape == (1, DIM)


def test_views_of_the_wrong_size_are_ignored_not_misread(lib):
    lib.teach("Miku", [example(1)], model=MODEL)
    ((example_id, _),) = lib.examples_without_views(MODEL)
    lib.set_views([(example_id, np.ones(DIM + 3, np.float32))])
    assert lib.embedding_table(MODEL, DIM).matrix.shape == (1, DIM)


def test_an_export_carries_the_extra_views_so_the_other_computer_need_not_remake_them(
        lib, tmp_path):
    lib.teach("Miku", [example(1), example(2)], model=MODEL)
    (first, _), (second, _) = lib.examples_without_views(MODEL)
    lib.set_views([(first, np.stack([unit(30)]))])  # the second's views are still missing
    out = tmp_path / "lib.fmflib"
    lib.export(out)
    with Library(tmp_path / "other.sqlite3") as other:
        other.import_file(out)
        assert len(other.examples_without_views(MODEL)) == 1  # only the one never made
        table = other.embedding_table(MODEL, DIM)
        assert table.matrix.shape == (3, DIM)
        assert any(np.allclose(row, unit(30)) for row in table.matrix)
    # Damaged views in a file are dropped, not a reason to refuse the import.
    with zipfile.ZipFile(out) as zf:
        doc = json.loads(zf.read("library.json"))
        thumbs = {n: zf.read(n) for n in zf.namelist() if n != "library.json"}
    for entry in doc["figures"][0]["examples"]:
        entry["views"] = "%%% not base64 %%%"
    with zipfile.ZipFile(tmp_path / "damaged.fmflib", "w") as zf:
        zf.writestr("library.json", json.dumps(doc))
        for name, data in thumbs.items():
            zf.writestr(name, data)
    with Library(tmp_path / "third.sqlite3") as third:
        assert third.import_file(tmp_path / "damaged.fmflib").examples_added == 2
        assert len(third.examples_without_views(MODEL)) == 2


def test_a_name_typed_another_way_is_the_same_figure_and_invisible_names_are_refused(lib):
    composed = unicodedata.normalize("NFC", "Renée")
    decomposed = unicodedata.normalize("NFD", "Renée")
    assert composed != decomposed  # they only look identical
    lib.teach(composed, [example(1)], model=MODEL)
    fig = lib.teach(decomposed, [example(2)], model=MODEL)
    assert fig.examples == 2 and fig.name == composed
    assert lib.find(decomposed) == fig
    assert lib.teach("Renée\u200b", [example(3)], model=MODEL).id == fig.id
    for invisible in ("\u200b", "\u200b \u2060", "\xa0"):
        with pytest.raises(LibraryError, match="needs a name"):
            lib.teach(invisible, [example(4)], model=MODEL)
    for hidden_code in ("Ab\x00cd", "A\x1b[31mred"):
        with pytest.raises(LibraryError, match="control characters"):
            lib.teach(hidden_code, [example(4)], model=MODEL)
        with pytest.raises(LibraryError, match="control characters"):
            lib.rename(fig.id, hidden_code)
    assert [f.name for f in lib.figures()] == [composed]


def test_a_name_stored_decomposed_by_an_older_version_is_still_the_same_figure(lib):
    decomposed = unicodedata.normalize("NFD", "Renée")
    with lib._db.transaction() as conn:  # as versions that did not normalise names left it
        conn.execute("INSERT INTO figures(name, franchise, created) VALUES (?, '', 'then')",
                     (decomposed,))
    old = lib.find("Renée")
    assert old is not None and lib.find("renée") == old
    assert lib.teach("Renée", [example(1)], model=MODEL).id == old.id
    other = lib.teach("Miku", [example(2)], model=MODEL)
    with pytest.raises(LibraryError, match="already exists"):
        lib.rename(other.id, "renée")
    assert [f.name for f in lib.figures()] == ["Miku", decomposed]


def test_an_example_whose_thumbnail_is_missing_from_the_export_costs_only_its_picture(
        lib, tmp_path):
    lib.teach("Miku", [example(1), example(2)], model=MODEL)
    lib.export(tmp_path / "full.fmflib")
    with zipfile.ZipFile(tmp_path / "full.fmflib") as src, \
            zipfile.ZipFile(tmp_path / "partial.fmflib", "w") as dst:
        thumbnails = sorted(n for n in src.namelist() if n.startswith("thumbnails/"))
        for name in src.namelist():
            if name != thumbnails[0]:
                dst.writestr(name, src.read(name))
    with Library(tmp_path / "other.sqlite3") as other:
        report = other.import_file(tmp_path / "partial.fmflib")
        assert (report.examples_added, report.examples_without_thumbnail) == (2, 1)
        assert "1 example without a picture" in report.summary()
        (fig,) = other.figures()
        assert fig.examples == 2
        assert [e.thumbnail is None for e in other.examples(fig.id)].count(True) == 1
        assert other.embedding_table(MODEL, DIM).matrix.shape == (2, DIM)


def test_a_library_in_a_read_only_folder_still_matches_but_refuses_changes(
        tmp_path, monkeypatch):
    folder = tmp_path / "data"
    with Library(folder / "library.sqlite3") as lib:
        lib.teach("Miku", [example(1), example(2)], model=MODEL)
        lib.export(tmp_path / "backup.fmflib")
    pretend_read_only(monkeypatch, folder)
    with Library(folder / "library.sqlite3") as lib:
        assert lib.read_only
        assert [(f.name, f.examples) for f in lib.figures()] == [("Miku", 2)]
        assert lib.embedding_table(MODEL, DIM).matrix.shape == (2, DIM)
        for change in (
            lambda: lib.teach("Rin", [example(3)], model=MODEL),
            lambda: lib.rename(1, "Hatsune Miku"),
            lambda: lib.import_file(tmp_path / "backup.fmflib"),
        ):
            with pytest.raises(LibraryError, match="read-only"):
                change()
        # Not only refused by the app: SQLite itself has the file open read-only.
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            lib._db.conn.execute("DELETE FROM figures")
        assert lib.export(tmp_path / "elsewhere.fmflib") == 1  # a copy can still be saved
    monkeypatch.undo()
    with Library(folder / "library.sqlite3") as lib:
        assert not lib.read_only and lib.integrity_ok()


@pytest.mark.parametrize("error_name", ["SQLITE_CANTOPEN", None])  # None: Python 3.10
def test_a_library_that_sqlite_cannot_open_for_writing_is_opened_read_only(
        tmp_path, monkeypatch, error_name):
    path = tmp_path / "library.sqlite3"
    with Library(path) as lib:
        lib.teach("Miku", [example(1)], model=MODEL)
    real_connect = sqlite3.connect

    def connect(target, *args, **kwargs):
        if not kwargs.get("uri"):  # the read-write open; file:...?mode=ro still works
            refused = sqlite3.OperationalError("unable to open database file")
            if error_name:
                refused.sqlite_errorname = error_name
            raise refused
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    with Library(path) as lib:
        assert lib.read_only and [f.name for f in lib.figures()] == ["Miku"]


def test_a_read_only_library_of_an_older_format_says_it_cannot_be_upgraded(
        tmp_path, monkeypatch):
    path = tmp_path / "library.sqlite3"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    pretend_read_only(monkeypatch, tmp_path)
    with pytest.raises(LibraryError, match="read-only and was made by an older version"):
        Library(path)


@pytest.mark.parametrize("failure", [
    ("disk I/O error", "SQLITE_IOERR_SHMSIZE"),  # what a full disk gives at start
    ("database or disk is full", "SQLITE_FULL"),
    ("database or disk is full", None),  # Python 3.10 names no code
])
def test_a_full_disk_at_start_says_the_disk_may_be_full(tmp_path, monkeypatch, failure):
    text, code = failure

    def connect(*args, **kwargs):
        error = sqlite3.OperationalError(text)
        if code:
            error.sqlite_errorname = code
        raise error

    monkeypatch.setattr(sqlite3, "connect", connect)
    with pytest.raises(LibraryError, match="disk (may be|is) full") as info:
        Library(tmp_path / "library.sqlite3")
    assert "Could not open the figure library" in str(info.value)
