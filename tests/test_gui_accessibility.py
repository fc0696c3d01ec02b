"""What a screen reader and a keyboard-only user get: labels read their text, results and
errors are announced, Return never starts a delete, the top-5 is a radio group, and the
Delete key works in the lists of the dialogs."""
# ruff: noqa: F811 - fixtures imported from tests/support/gui_helpers.py

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAccessible, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox, QPushButton, QWidget

from fmf_desktop._qt import announce as announce_module
from fmf_desktop._qt import main_window as main_window_module
from fmf_desktop._qt import message_bar as message_bar_module
from fmf_desktop._qt.collection_view import CollectionView
from fmf_desktop._qt.library_dialog import LibraryDialog
from fmf_desktop._qt.settings_dialog import SettingsDialog
from fmf_desktop._qt.teach_dialog import TeachDialog
from fmf_desktop.collection import Collection
from fmf_desktop.library import Library, NewExample
from fmf_desktop.results import CharacterInfo
from tests.support.gui_helpers import (  # noqa: F401 - fixtures
    ScriptedRecognizer,
    gui_settings,
    scripted_window,
    wait_for_result,
    write_photo,
)


def accessible(widget: QWidget, text: QAccessible.Text = QAccessible.Text.Name) -> str:
    return QAccessible.queryAccessibleInterface(widget).text(text)


def activate(qtbot, window: QWidget) -> None:
    """Make ``window`` the active one, as clicking it would (offscreen Qt does not):
    keyboard focus and shortcuts only work in the active window."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def labels_that_hide_their_text(root: QWidget) -> list[str]:
    """Visible labels whose accessible name differs from the text they show: a screen
    reader reads the name, so the user never hears the text."""
    hiding = []
    for label in root.findChildren(QLabel):
        text = label.text().strip()
        if not label.isVisibleTo(root) or not text:
            continue
        name = label.accessibleName()
        if name and name != label.text():
            hiding.append(f"{text[:40]!r} is read as {name!r}")
    return hiding


@pytest.fixture
def library(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    rng = np.random.default_rng(0)
    embeddings = [v / np.linalg.norm(v) for v in rng.normal(size=(3, 8)).astype(np.float32)]
    lib.teach("Red Brick Knight", [NewExample(e, None, f"knight{i}.jpg")
                                   for i, e in enumerate(embeddings)],
              franchise="LEGO", model="m")
    yield lib
    lib.close()


@pytest.fixture
def collection(tmp_path):
    coll = Collection(tmp_path / "collection.sqlite3")
    coll.add(CharacterInfo("watson", "Watson Amelia", "hololive English"))
    coll.add(CharacterInfo("mori", "Mori Calliope", "hololive English"))
    yield coll
    coll.close()


def test_labels_showing_information_read_their_text(scripted_window, tmp_path, qtbot,
                                                     library, collection):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "a.png"))])
    wait_for_result(qtbot, window)
    window.message_bar.show_message("Something went wrong", "error")
    window.error_view.set_error("x.jpg: the file cannot be read (Truncated File Read)")
    roots: list[QWidget] = [window, window.error_view]
    for index in range(2):  # the confident result, then the "not sure" one
        window.results_panel.figurine_list.setCurrentRow(index)
        assert labels_that_hide_their_text(window) == []
    assert accessible(window.results_panel.heading) == "Not sure"

    teach = TeachDialog(suggestions=window.session.current_item().result.figurines[0].top,
                        crops=[np.zeros((20, 20, 3), np.uint8)], correcting=True)
    teach._show_problems(["Not added: x.jpg cannot be read"])
    library_dialog = LibraryDialog(library)
    collection_view = CollectionView(collection)
    collection_view.show_error("The collection cannot be saved")
    settings = SettingsDialog(window.settings)
    settings._shop_problem("Give the shop a name.")
    for dialog in (teach, library_dialog, collection_view, settings):
        qtbot.addWidget(dialog)
        dialog.show()
        roots.append(dialog)
    library_dialog.show_status("Saved Red Brick Knight.")
    hiding = [problem for root in roots for problem in labels_that_hide_their_text(root)]
    assert hiding == []
    assert accessible(teach.hint_label) == teach.hint_label.text()
    assert accessible(collection_view.count_label) == "2 figurines"


def test_a_ready_result_and_an_error_are_announced(scripted_window, tmp_path, qtbot,
                                                   monkeypatch):
    said: list[tuple[str, bool]] = []

    def fake_announce(_source, text, *, urgent=False):
        said.append((text, urgent))
        return True

    monkeypatch.setattr(main_window_module, "announce", fake_announce)
    monkeypatch.setattr(message_bar_module, "announce", fake_announce)
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "a.png"))])
    wait_for_result(qtbot, window)
    first = window.session.current_item().result.figurines[0].best
    assert said == [(f"2 figurines found. {first.name}, 87%", False)]
    QGuiApplication.clipboard().clear()
    window.paste()  # nothing on the clipboard to paste: a note, not an error
    window.message_bar.show_message("The library cannot be opened", "error")
    assert said[-2][0].startswith("Note: ")
    # It stays until closed: a warning, not an error about the last action.
    assert said[-1] == ("Warning: The library cannot be opened", True)
    # Seen, not only coloured: the notice says which kind it is.
    assert window.message_bar.label.text().startswith("<b>Warning:</b> ")


def test_the_announcement_helper_sends_the_text_when_qt_can(qtbot, monkeypatch):
    sent = []
    monkeypatch.setattr(announce_module.QAccessible, "updateAccessibility",
                        lambda event: sent.append(event.message()))
    widget = QLabel("x")
    qtbot.addWidget(widget)
    if announce_module.announcements_supported():
        assert announce_module.announce(widget, "Watson Amelia, 87%")
        assert sent == ["Watson Amelia, 87%"]
    monkeypatch.setattr(announce_module, "_ANNOUNCEMENT_EVENT", None)  # Qt before 6.8
    assert not announce_module.announce(widget, "Not sure")


def test_return_never_starts_a_delete(qtbot, collection, library, gui_settings, monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2])
                        or QMessageBox.StandardButton.No)
    view = CollectionView(collection)
    qtbot.addWidget(view)
    view.show()
    activate(qtbot, view)
    view.table.selectRow(0)
    for target in (view.search, view.table):
        target.setFocus()
        qtbot.keyClick(target, Qt.Key.Key_Return)
    assert asked == []
    assert view.isVisible()

    dialogs = [view, LibraryDialog(library), SettingsDialog(gui_settings),
               TeachDialog(crops=[np.zeros((20, 20, 3), np.uint8)])]
    for dialog in dialogs[1:]:
        qtbot.addWidget(dialog)
        dialog.show()
    destructive = ("delete", "remove")
    defaults = [b.text() for d in dialogs for b in d.findChildren(QPushButton)
                if (b.isDefault() or b.autoDefault())
                and any(word in b.text().lower() for word in destructive)]
    assert defaults == []


def test_top_matches_are_a_radio_group_that_shows_focus(scripted_window, tmp_path, qtbot):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "a.png"))])
    wait_for_result(qtbot, window)
    activate(qtbot, window)
    rows = window.results_panel.rows
    first = QAccessible.queryAccessibleInterface(rows[0])
    assert first.role() == QAccessible.Role.RadioButton
    assert first.state().checked
    assert not QAccessible.queryAccessibleInterface(rows[1]).state().checked

    unfocused = rows[0].grab().toImage()
    rows[0].setFocus()
    qtbot.waitUntil(rows[0].hasFocus)
    assert rows[0].grab().toImage() != unfocused  # the focus is drawn
    qtbot.keyClick(rows[0], Qt.Key.Key_Down)  # arrow keys choose, like any radio group
    assert rows[1].hasFocus() and rows[1].isChecked() and not rows[0].isChecked()
    assert window.results_panel.chosen_candidate is rows[1].candidate
    assert QAccessible.queryAccessibleInterface(rows[1]).state().checked
    # The bar's value is the percentage, as shown: not 310 for 31%.
    bar = rows[1].bar
    assert QAccessible.queryAccessibleInterface(bar).valueInterface().currentValue() \
        == round(rows[1].candidate.score * 100)


def test_tab_leaves_the_collection_table_and_sorting_works_by_keyboard(qtbot, collection):
    view = CollectionView(collection)
    qtbot.addWidget(view)
    view.show()
    activate(qtbot, view)
    view.table.setFocus()
    view.table.selectRow(0)
    qtbot.keyClick(view.table, Qt.Key.Key_Tab)
    assert not view.table.hasFocus()

    def names() -> list[str]:
        return [view.proxy.index(r, 0).data() for r in range(view.proxy.rowCount())]

    assert names() == ["Mori Calliope", "Watson Amelia"]  # newest first
    view.sort_combo.setFocus()
    view.sort_combo.setCurrentIndex(view.sort_combo.findText("Figurine Z–A"))
    assert names() == ["Watson Amelia", "Mori Calliope"]
    # Clicking a column header updates the combo box.
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert view.sort_combo.currentText() == "Figurine A–Z"


class _WindowsShown(QObject):
    """Records every window that is shown while installed on the application."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if (event.type() == QEvent.Type.Show and isinstance(watched, QWidget)
                and watched.isWindow()):
            self.shown.append(type(watched).__name__)
        return False


def test_the_correction_dialog_tabs_in_screen_order(scripted_window, tmp_path, qtbot):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "a.png"))])
    wait_for_result(qtbot, window)
    watcher = _WindowsShown()
    QApplication.instance().installEventFilter(watcher)
    try:
        dialog = window.teaching.correct_current()
        assert dialog is not None
        qtbot.waitUntil(dialog.isVisible)
    finally:
        QApplication.instance().removeEventFilter(watcher)
    # Only the dialog opens: the suggestion list used to flash up as a window of its own.
    assert watcher.shown == ["TeachDialog"]
    chain, widget = [], dialog.suggestion_list
    while len(chain) < 4:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible():
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == [dialog.suggestion_list, dialog.name_edit, dialog.franchise_edit,
                     dialog.photo_list]
    dialog.reject()


def test_the_delete_key_removes_in_the_dialog_lists(qtbot, library, monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1])
                        or QMessageBox.StandardButton.Yes)
    teach = TeachDialog(crops=[np.zeros((20, 20, 3), np.uint8)] * 2)
    qtbot.addWidget(teach)
    teach.show()
    activate(qtbot, teach)
    teach.photo_list.setFocus()
    teach.photo_list.setCurrentRow(0)
    qtbot.keyClick(teach.photo_list, Qt.Key.Key_Delete)
    assert teach.photo_count() == 1

    dialog = LibraryDialog(library)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    dialog.example_list.setFocus()
    dialog.example_list.setCurrentRow(0)
    qtbot.keyClick(dialog.example_list, Qt.Key.Key_Delete)
    assert asked == ["Remove photos"]
    assert dialog.example_list.count() == 2
    dialog.figure_list.setFocus()
    qtbot.keyClick(dialog.figure_list, Qt.Key.Key_Delete)
    assert asked[-1] == "Delete taught figure"
    assert library.figures() == []


def test_return_in_the_new_shop_fields_adds_the_shop(qtbot, gui_settings):
    dialog = SettingsDialog(gui_settings)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    dialog.new_name.setFocus()
    qtbot.keyClicks(dialog.new_name, "MyShop")
    dialog.new_template.setFocus()
    qtbot.keyClicks(dialog.new_template, "https://my.example/?q={query}")
    qtbot.keyClick(dialog.new_template, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "MyShop" in [shop.name for shop in dialog.shops()]


def test_the_results_area_is_no_tab_stop_and_help_names_the_figurine_list(scripted_window,
                                                                         monkeypatch):
    window = scripted_window
    assert window.results_panel.focusPolicy() == Qt.FocusPolicy.NoFocus
    shown = {}
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text: shown.update(text=text))
    window.show_shortcuts()
    assert "list of figurines" in shown["text"]
