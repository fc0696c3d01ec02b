"""The "My collection" window: table, search, sort, note editing, delete, CSV export."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from fmf_desktop._qt.collection_view import CollectionModel, CollectionView
from fmf_desktop.collection import Collection
from fmf_desktop.library import make_thumbnail
from fmf_desktop.results import CharacterInfo
from tests.support.gui_helpers import screenshot


def thumb(colour: tuple[int, int, int]) -> bytes:
    img = np.zeros((64, 64, 3), np.uint8)
    img[:] = colour
    img[16:48, 16:48] = 255 - np.array(colour, np.uint8)
    return make_thumbnail(img)


@pytest.fixture
def collection(tmp_path):
    with Collection(tmp_path / "c.sqlite3") as col:
        col.add(CharacterInfo("gura", "Gawr Gura", "hololive English"),
                thumbnail=thumb((40, 90, 200)), note="Pop Up Parade", shops=[("AmiAmi", "https://amiami.example/?q=gura")])
        col.add(CharacterInfo("miku", "Hatsune Miku", "Vocaloid"), thumbnail=thumb((30, 180, 170)))
        col.add(CharacterInfo("My Dragon", "My Dragon", "", taught=True), thumbnail=None,
                note="handmade")
        yield col


@pytest.fixture
def view(qtbot, collection):
    v = CollectionView(collection)
    qtbot.addWidget(v)
    v.show()
    return v


def shown_names(view: CollectionView) -> list[str]:
    p = view.proxy
    return [p.data(p.index(r, CollectionModel.NAME)) for r in range(p.rowCount())]


def test_table_lists_the_collection_newest_first(view, artifacts_dir):
    assert shown_names(view) == ["My Dragon (taught)", "Hatsune Miku", "Gawr Gura"]
    assert view.count_label.text() == "3 figurines"
    view.grab().save(str(artifacts_dir / "collection_view.png"))


def test_search_narrows_and_sorting_by_name_orders(view):
    view.search.setText("pop parade")
    assert shown_names(view) == ["Gawr Gura"]
    assert view.count_label.text() == "1 of 3 figurines"
    view.search.setText("")
    view.table.sortByColumn(CollectionModel.NAME, Qt.SortOrder.AscendingOrder)
    assert shown_names(view) == ["Gawr Gura", "Hatsune Miku", "My Dragon (taught)"]


def test_editing_a_note_is_saved(view, collection):
    row = next(r for r in range(view.proxy.rowCount())
               if view.proxy.data(view.proxy.index(r, 0)) == "Hatsune Miku")
    assert view.proxy.setData(view.proxy.index(row, CollectionModel.NOTE), "boxed, 2019")
    assert [i.note for i in collection.items() if i.name == "Hatsune Miku"] == ["boxed, 2019"]


def test_delete_asks_then_removes_from_the_database(view, collection, monkeypatch):
    view.table.selectRow(0)  # newest: My Dragon
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    view.delete_selected()
    assert len(collection) == 3
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    view.table.selectRow(0)
    view.delete_selected()
    assert [i.name for i in collection.items()] == ["Gawr Gura", "Hatsune Miku"]
    assert shown_names(view) == ["Hatsune Miku", "Gawr Gura"]


def test_export_writes_what_is_shown(view, tmp_path):
    view.search.setText("hololive")
    out = tmp_path / "mine.csv"
    assert view.export_csv(str(out))
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["Gawr Gura"]
    assert "Exported 1" in view.count_label.text()


def test_export_failure_is_shown_and_nothing_is_lost(view, tmp_path, collection):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert not view.export_csv(str(blocker / "out.csv"))
    assert view.error_label.isVisible()
    assert "Could not export the collection" in view.error_label.text()
    assert len(collection) == 3 and view.proxy.rowCount() == 3


def test_empty_collection_explains_how_to_add(qtbot, tmp_path, artifacts_dir):
    with Collection(tmp_path / "empty.sqlite3") as col:
        v = CollectionView(col)
        qtbot.addWidget(v)
        v.show()
        assert v.empty_label.isVisible() and not v.table.isVisible()
        assert not v.export_button.isEnabled()
        v.grab().save(str(artifacts_dir / "collection_view_empty.png"))


def test_a_search_without_matches_says_so_in_the_table_area(view, artifacts_dir):
    view.search.setText("zzz")
    screenshot(view, artifacts_dir / "collection_view_no_match.png")
    assert view.no_match_label.isVisible() and not view.table.isVisible()
    assert "No figurines match “zzz”" in view.no_match_label.text()
    assert view.count_label.text() == "0 of 3 figurines"
    view.search.setText("miku")
    assert view.table.isVisible() and not view.no_match_label.isVisible()
    assert view.count_label.text() == "1 of 3 figurines"


def test_a_hidden_window_catches_up_when_shown_again(view, collection):
    view.hide()
    collection.add(CharacterInfo("rin", "Kagamine Rin", "Vocaloid"))
    view.reload()  # what the window does after "Add to collection"
    assert view.proxy.rowCount() == 3  # nothing reloaded while nobody looks
    view.show()
    assert shown_names(view)[0] == "Kagamine Rin"
    assert view.count_label.text() == "4 figurines"


def test_sorting_by_note_follows_an_edited_note(view):
    view.table.sortByColumn(CollectionModel.NOTE, Qt.SortOrder.AscendingOrder)
    row = next(r for r in range(view.proxy.rowCount())
               if view.proxy.data(view.proxy.index(r, 0)) == "Hatsune Miku")
    view.proxy.setData(view.proxy.index(row, CollectionModel.NOTE), "aaa first")
    assert shown_names(view)[0] == "Hatsune Miku"


def test_sort_choices_name_the_columns_and_leave_out_shop_links(view):
    choices = [view.sort_combo.itemText(i) for i in range(view.sort_combo.count())]
    name_column = view.model.headerData(CollectionModel.NAME, Qt.Orientation.Horizontal)
    assert f"{name_column} A–Z" in choices and f"{name_column} Z–A" in choices
    assert not any("Name" in choice or "Shop" in choice for choice in choices)
    # Clicking the shop links header keeps the order the box shows.
    view.sort_combo.setCurrentIndex(view.sort_combo.findText(f"{name_column} A–Z"))
    view.table.sortByColumn(CollectionModel.SHOPS, Qt.SortOrder.AscendingOrder)
    assert shown_names(view) == ["Gawr Gura", "Hatsune Miku", "My Dragon (taught)"]
    assert view.sort_combo.currentText() == f"{name_column} A–Z"


def test_a_read_only_collection_says_so_at_the_top(view, monkeypatch):
    monkeypatch.setattr(Collection, "read_only", property(lambda self: True))
    view._update_buttons()
    assert view.read_only_label.isVisible()
    # Above the search field, where the taught-figures window has its note too.
    assert view.read_only_label.geometry().bottom() < view.search.geometry().top()
    assert not view.delete_button.isEnabled()
