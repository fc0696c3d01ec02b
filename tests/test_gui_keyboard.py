"""Keyboard use and accessibility: shortcuts do what the menus say, every control has a
name a screen reader can announce, and `fmf-desktop PHOTO` opens the photo."""
# ruff: noqa: F811 - fixtures imported from tests/support/gui_helpers.py

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QGraphicsView, QProgressBar

from fmf_desktop._qt.app import build_window, start
from tests.support.gui_helpers import (  # noqa: F401 - fixtures
    ScriptedRecognizer,
    gui_settings,
    scripted_window,
    wait_for_result,
    write_photo,
)


def test_ctrl_v_pastes_and_page_keys_move_through_the_queue(scripted_window, tmp_path, qtbot):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "a.png")), str(write_photo(tmp_path / "b.png"))])
    image = QImage(200, 150, QImage.Format.Format_RGB32)
    image.fill(QColor("#c08040"))
    QGuiApplication.clipboard().setImage(image)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(window.session.items) == 3
    assert window.session.current == 2
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert window.session.current == 1
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.session.current == 2
    wait_for_result(qtbot, window)


def test_every_control_has_an_accessible_name(scripted_window, tmp_path, qtbot):
    window = scripted_window
    window.open_paths([str(write_photo(tmp_path / "a.png"))])
    wait_for_result(qtbot, window)
    window.canvas.figurine_selected.emit(0)
    unnamed = []
    for widget in window.findChildren(QAbstractButton) + window.findChildren(QProgressBar):
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        if widget.isVisibleTo(window) and not (widget.accessibleName() or text.strip()):
            unnamed.append(widget)
    views = window.findChildren(QAbstractItemView) + window.findChildren(QGraphicsView)
    unnamed += [v for v in views if v.isVisibleTo(window) and not v.accessibleName()]
    assert unnamed == []


def test_shortcuts_dialog_lists_every_key_readably(scripted_window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = {}
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text: shown.update(text=text))
    window = scripted_window
    window.show_shortcuts()
    rows = dict(window.shortcut_rows())
    assert rows["Quit"] == "Ctrl+Q"
    assert "Alt+Left" in rows["Previous photo"] and "Alt+Right" in rows["Next photo"]
    assert "Ctrl+Plus" in rows["Zoom in"]
    assert "Ctrl++" not in shown["text"]
    assert rows["Whole photo is one figure"] == "W"
    # The name column is padded so "Whole photo is one figure" does not run into "W".
    assert "padding-right" in shown["text"]


def test_about_box_names_the_version(scripted_window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from fmf_desktop import __version__

    shown = {}
    monkeypatch.setattr(QMessageBox, "about",
                        lambda parent, title, text: shown.update(text=text))
    scripted_window.show_about()
    assert f"version {__version__}" in shown["text"]


def test_starting_with_a_photo_opens_it(qtbot, gui_settings, tmp_path):
    window = build_window(gui_settings, ScriptedRecognizer)
    qtbot.addWidget(window)
    start(window, [str(write_photo(tmp_path / "given.png"))])  # what run_gui does
    qtbot.waitUntil(lambda: window.session.model_state == "ready", timeout=20000)
    assert window.isVisible()
    result = wait_for_result(qtbot, window)
    assert window.windowTitle().startswith("given.png")
    assert len(result.figurines) == 2
    window.session.wait_idle()


def test_without_a_display_the_app_says_so_instead_of_crashing():
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}  # no DISPLAY, no QT_QPA_PLATFORM
    code = ("import sys; from fmf_desktop._qt.app import run_gui; "
            "sys.exit(run_gui([]))")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    if sys.platform.startswith("linux"):
        assert done.returncode == 2
        assert "fmf-desktop identify" in done.stderr


def test_shortcuts_that_work_only_in_camera_mode_say_so(scripted_window):
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QWidget

    window = scripted_window
    camera = QWidget()  # stands in for the camera page: its actions are what count
    camera.freeze_action = QAction("Freeze and identify", camera)
    camera.freeze_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
    camera.open_video_action = QAction("Open a video file…", camera)
    camera.open_video_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
    window.set_camera_widget(camera)
    rows = dict(window.shortcut_rows())
    assert rows["Freeze and identify (camera mode)"] == "Space"
    assert rows["Open a video file (camera mode)"] == "Ctrl+Shift+O"
    assert rows["Open"] == "Ctrl+O"  # the rest work everywhere and say nothing extra
