"""My collection: add, search, sort, notes, delete, CSV export, storage errors."""

from __future__ import annotations

import csv
import errno
import os
import sqlite3

import pytest

from fmf_desktop.collection import Collection, CollectionError
from fmf_desktop.results import CharacterInfo
from tests.support.storage import pretend_read_only

MIKU = CharacterInfo("miku", "Hatsune Miku", "Vocaloid")
GURA = CharacterInfo("gura", "Gawr Gura", "hololive English")
DRAGON = CharacterInfo("My Dragon", "My Dragon", "", taught=True)


@pytest.fixture
def col(tmp_path):
    with Collection(tmp_path / "collection.sqlite3") as c:
        yield c


def test_added_figurine_keeps_everything_the_user_gave(col):
    item = col.add(MIKU, thumbnail=b"\xff\xd8jpeg", note="Nendoroid, boxed",
                   shops=[("AmiAmi", "https://amiami.example/?q=Miku")])
    again = col.item(item.id)
    assert again == item
    assert (item.name, item.franchise, item.character_id) == ("Hatsune Miku", "Vocaloid", "miku")
    assert item.thumbnail == b"\xff\xd8jpeg" and item.note == "Nendoroid, boxed"
    assert item.shops == (("AmiAmi", "https://amiami.example/?q=Miku"),)
    assert item.added.endswith("+00:00")
    assert col.add(DRAGON).character.taught


def test_search_matches_name_franchise_and_note_words(col):
    col.add(MIKU, note="from Akihabara")
    col.add(GURA, note="prize figure 50%")
    col.add(DRAGON)
    assert [i.name for i in col.items("hololive")] == ["Gawr Gura"]
    assert [i.name for i in col.items("akihabara miku")] == ["Hatsune Miku"]
    assert [i.name for i in col.items("50%")] == ["Gawr Gura"]  # % is literal, not a wildcard
    assert col.items("_") == []
    assert len(col.items("")) == 3


def test_sort_by_name_franchise_and_date(col):
    for c in (MIKU, GURA, DRAGON):
        col.add(c)
    assert [i.name for i in col.items(sort="name")] == ["Gawr Gura", "Hatsune Miku", "My Dragon"]
    assert [i.name for i in col.items(sort="added", descending=True)][0] == "My Dragon"
    assert [i.name for i in col.items(sort="franchise")][-1] == "Hatsune Miku"
    with pytest.raises(ValueError):
        col.items(sort="name; DROP TABLE items")


def test_note_edit_and_delete(col):
    a, b = col.add(MIKU), col.add(GURA)
    col.set_note(a.id, "signed")
    assert col.item(a.id).note == "signed"
    col.delete([a.id])
    assert [i.id for i in col.items()] == [b.id]
    col.delete(b.id)
    assert len(col) == 0


def test_csv_export_opens_in_a_spreadsheet_as_plain_text(col, tmp_path):
    col.add(MIKU, note="=HYPERLINK(\"http://evil\")", shops=[("A", "https://a/?q=1")])
    col.add(CharacterInfo("x", "初音ミク", "ボーカロイド"), note='comma, "quote"\nnewline')
    out = tmp_path / "out" / "my collection.csv"
    assert col.export_csv(out) == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM so spreadsheet apps read UTF-8
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["name"] == "Hatsune Miku"
    assert rows[0]["note"].startswith("'=")  # not executed as a formula
    assert rows[0]["shops"] == "https://a/?q=1"
    assert rows[1]["name"] == "初音ミク" and rows[1]["note"] == 'comma, "quote"\nnewline'


def test_csv_export_to_an_unwritable_place_is_a_clear_error(col, tmp_path):
    col.add(MIKU)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CollectionError, match="Could not export the collection"):
        col.export_csv(blocker / "out.csv")


def test_csv_export_over_a_file_open_in_excel_says_to_close_it(col, tmp_path, monkeypatch):
    col.add(MIKU)

    def refuse(*args):
        # What Windows raises when Excel has the CSV open: errno says "permission".
        in_use = PermissionError(errno.EACCES, "The process cannot access the file")
        in_use.winerror = 32  # ERROR_SHARING_VIOLATION
        raise in_use

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(CollectionError, match="open in another program; close it there"):
        col.export_csv(tmp_path / "mine.csv")


def test_collection_is_wal_versioned_and_survives_reopening(tmp_path):
    path = tmp_path / "c.sqlite3"
    with Collection(path) as col:
        col.add(MIKU)
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Collection(path) as col:
        assert [i.name for i in col.items()] == ["Hatsune Miku"]
        assert col.schema_version == 1 and col.integrity_ok()


def test_unwritable_location_gives_a_clear_error(tmp_path):
    # Running as root ignores chmod; a file where the folder should be fails for everyone.
    blocker = tmp_path / "data"
    blocker.write_text("x")
    with pytest.raises(CollectionError, match="Could not open the collection"):
        Collection(blocker / "c.sqlite3")


def test_a_collection_in_a_read_only_folder_can_be_viewed_but_not_changed(
        tmp_path, monkeypatch):
    folder = tmp_path / "data"
    with Collection(folder / "collection.sqlite3") as col:
        col.add(MIKU, note="boxed")
    pretend_read_only(monkeypatch, folder)
    with Collection(folder / "collection.sqlite3") as col:
        assert col.read_only
        assert [(i.name, i.note) for i in col.items("boxed")] == [("Hatsune Miku", "boxed")]
        with pytest.raises(CollectionError, match="read-only"):
            col.add(GURA)
        with pytest.raises(CollectionError, match="read-only"):
            col.set_note(1, "opened")
        assert col.export_csv(tmp_path / "mine.csv") == 1
    assert len(Collection(folder / "collection.sqlite3")) == 1
