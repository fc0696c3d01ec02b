"""The "Taught figures" dialog as a user meets it: a big library stays responsive, long
names fit, photos are told apart, nothing is removed without asking, quitting waits."""
# Fixtures are imported from tests/support/gui_helpers.py; test arguments "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QMessageBox

from fmf_desktop._qt import library_dialog as library_dialog_module
from fmf_desktop._qt.library_dialog import LibraryDialog
from fmf_desktop.library import Library, NewExample, make_thumbnail
from tests.support.gui_helpers import (  # noqa: F401 - fixtures
    ScriptedRecognizer,
    gui_settings,
    open_window,
    screenshot,
)
from tests.test_gui_palette import app_palette

WAIT_MS = 20000


def thumb(colour: tuple[int, int, int]) -> bytes:
    img = np.zeros((64, 64, 3), np.uint8)
    img[:] = colour
    return make_thumbnail(img)


def example(seed: int, source: str = "", colour=(200, 80, 40)) -> NewExample:
    return NewExample(np.random.default_rng(seed).normal(size=16), thumb(colour), source)


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "library.sqlite3") as lib:
        yield lib


@pytest.fixture
def decoded_covers(monkeypatch) -> list[int]:
    """Figure ids whose cover thumbnail was decoded for the list."""
    seen: list[int] = []
    original = library_dialog_module._decode_covers

    def counting(covers):
        seen.extend(figure_id for figure_id, _ in covers)
        return original(covers)

    monkeypatch.setattr(library_dialog_module, "_decode_covers", counting)
    return seen


def open_dialog(qtbot, library) -> LibraryDialog:
    dialog = LibraryDialog(library)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.cover_icons_pending(), timeout=WAIT_MS)
    return dialog


def names(dialog: LibraryDialog) -> list[str]:
    return [dialog.figure_list.item(r).text().split("\n")[0]
            for r in range(dialog.figure_list.count())]


def test_covers_are_decoded_once_and_a_hidden_dialog_waits_for_its_next_show(
        qtbot, library, decoded_covers):
    for i in range(5):
        library.teach(f"Figure {i}", [example(i, colour=(40 * i, 90, 200))])
    dialog = open_dialog(qtbot, library)
    assert len(decoded_covers) == 5
    assert all(not dialog.figure_list.item(r).icon().isNull() for r in range(5))

    # A rename rebuilds the list but reuses every cover it already has.
    dialog.figure_list.setCurrentRow(0)
    dialog.name_edit.setText("Figure 0 renamed")
    assert dialog.save_edits()
    qtbot.waitUntil(lambda: not dialog.cover_icons_pending(), timeout=WAIT_MS)
    assert len(decoded_covers) == 5
    assert "Figure 0 renamed" in names(dialog)

    # Closed, a teach elsewhere costs the dialog nothing; showing it again catches up.
    dialog.hide()
    library.teach("Figure 5", [example(9, colour=(10, 200, 10))])
    dialog.reload()
    assert dialog.figure_list.count() == 5
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.cover_icons_pending(), timeout=WAIT_MS)
    assert "Figure 5" in names(dialog)
    assert len(decoded_covers) == 6  # only the new figure's cover


def test_long_names_are_cut_short_with_the_full_name_in_the_tooltip(qtbot, library,
                                                                     artifacts_dir):
    long_name = "Hatsune Miku " + "Racing Version Extra Long Edition " * 4
    library.teach(long_name, [example(1)], franchise="Vocaloid")
    library.teach("Rin", [example(2), example(3)])
    dialog = open_dialog(qtbot, library)
    screenshot(dialog, artifacts_dir / "library_dialog_long_name.png")
    assert dialog.figure_list.horizontalScrollBar().maximum() == 0
    item = dialog.figure_list.item(0)
    assert long_name.strip() in item.toolTip()
    # Singular and plural, not "photo(s)".
    texts = [dialog.figure_list.item(r).text() for r in range(2)]
    assert texts[0].endswith("\n1 photo") and texts[1].endswith("\n2 photos")


def test_example_photos_are_told_apart_by_where_they_came_from(qtbot, library):
    library.teach("Rin", [example(1, "/home/me/Pictures/rin_front.jpg"),
                          example(2, "camera"), example(3, "correction: shelf.jpg")])
    dialog = open_dialog(qtbot, library)
    captions = [dialog.example_list.item(r).text() for r in range(3)]
    assert captions == ["rin_front.jpg", "camera", "correction"]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert "Added " in dialog.example_list.item(0).toolTip()
    assert today[:4] in dialog.example_list.item(0).toolTip()


def test_removing_photos_and_deleting_figures_ask_first_and_say_it_is_final(
        qtbot, library, monkeypatch):
    library.teach("Rin", [example(1, "a.jpg"), example(2, "b.jpg"), example(3, "c.jpg")])
    dialog = open_dialog(qtbot, library)
    questions: list[str] = []
    answer = QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _p, _t, text, *a, **k: questions.append(text) or answer)

    dialog.example_list.item(0).setSelected(True)
    dialog.remove_selected_examples()
    assert "cannot be undone" in questions[-1]
    assert library.figures()[0].examples == 3  # "No" kept the photo

    answer = QMessageBox.StandardButton.Yes
    dialog.example_list.item(0).setSelected(True)
    dialog.remove_selected_examples()
    assert library.figures()[0].examples == 2

    answer = QMessageBox.StandardButton.No
    dialog.delete_current_figure()
    assert "cannot be undone" in questions[-1] and "2 photos" in questions[-1]
    assert len(library.figures()) == 1


def test_empty_library_text_sits_in_the_middle(qtbot, library, artifacts_dir):
    dialog = open_dialog(qtbot, library)
    screenshot(dialog, artifacts_dir / "library_dialog_empty.png")
    label = dialog.empty_label
    assert label.isVisible()
    # The text takes the room the list would have, centred in it, not a strip on top.
    assert label.height() > dialog.height() // 2


def test_a_read_only_library_says_so_and_offers_no_changes(qtbot, library, monkeypatch):
    library.teach("Rin", [example(1)])
    monkeypatch.setattr(Library, "read_only", property(lambda self: True))
    dialog = open_dialog(qtbot, library)
    assert dialog.read_only_label.isVisible()
    assert not dialog.delete_figure_button.isEnabled()
    assert not dialog.import_button.isEnabled() and not dialog.teach_button.isEnabled()
    assert dialog.export_button.isEnabled()
    # The name fields cannot be typed in, and do not look as if they could: they have
    # the window's background, not an input field's; after a switch to a dark theme
    # too (not a pale field left in a dark window).
    for edit in (dialog.name_edit, dialog.franchise_edit):
        assert edit.isReadOnly()
        assert "only be read" in edit.toolTip()
    for theme in ("light", "dark"):
        with app_palette(theme):
            window_color = dialog.palette().color(QPalette.ColorRole.Window)
            for edit in (dialog.name_edit, dialog.franchise_edit):
                assert edit.palette().color(QPalette.ColorRole.Base) == window_color, theme


def test_quitting_waits_for_a_running_export_before_closing_the_library(
        qtbot, gui_settings, tmp_path, monkeypatch):
    window = open_window(qtbot, gui_settings, lambda threads: ScriptedRecognizer(threads))
    controller = window.teaching
    controller.library.teach("Rin", [example(1)])
    original_export = Library.export

    def slow_export(self, path):
        time.sleep(0.5)  # a big library takes a while
        return original_export(self, path)

    monkeypatch.setattr(Library, "export", slow_export)
    dialog = controller.open_library_dialog()
    out = tmp_path / "backup.fmflib"
    dialog.export_to(str(out))
    controller.close()  # what QApplication.aboutToQuit runs
    assert out.is_file() and out.stat().st_size > 0
    window.session.wait_idle(WAIT_MS)
