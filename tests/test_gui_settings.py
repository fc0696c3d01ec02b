"""Settings persist in QSettings (an ini file in tmp_path here) and change what the
window shows: shop buttons, the "not sure" threshold, inference threads."""
# ruff: noqa: F811 - fixtures imported from tests/support/gui_helpers.py

from __future__ import annotations

from PySide6.QtCore import Qt

from fmf_desktop._qt.settings import AppSettings
from tests.support.gui_helpers import (  # noqa: F401 - fixtures
    WAIT_MS,
    gui_settings,
    sample_photo,
    screenshot,
    scripted_window,
    temp_settings,
    wait_for_result,
    write_photo,
)


def test_settings_dialog_changes_persist_and_apply(scripted_window, tmp_path, qtbot,
                                                   artifacts_dir):
    window = scripted_window
    window.open_paths([str(sample_photo())])
    wait_for_result(qtbot, window)
    assert window.results_panel.heading.text() != "Not sure"  # 87% > default 0.5

    dialog = window.open_settings()
    screenshot(dialog, artifacts_dir / "gui_settings.png")
    first = dialog.shop_list.item(0)
    disabled_name = first.data(Qt.ItemDataRole.UserRole).name
    first.setCheckState(Qt.CheckState.Unchecked)
    dialog.new_name.setText("My Local Shop")
    dialog.new_template.setText("https://shop.example/find?q={query}")
    assert dialog.add_custom_shop()
    dialog.threshold.setValue(90)  # percent, as the dialog shows it
    dialog.threads.setValue(1)
    dialog.accept()

    # What the user sees right away...
    names = [b.text() for b in window.results_panel.shop_buttons]
    assert disabled_name not in names and "My Local Shop" in names
    assert window.results_panel.heading.text() == "Not sure"  # 87% < 0.9 now
    qtbot.waitUntil(lambda: window.session.model_state == "ready", timeout=WAIT_MS)
    assert window.session.recognizer.threads == 1  # model reloaded with one thread

    # ...and what the next start reads back.
    reread = temp_settings(tmp_path)
    assert reread.unsure_threshold() == 0.9
    assert reread.inference_threads() == 1
    shops = {s.name: s for s in reread.shops()}
    assert not shops[disabled_name].enabled
    assert shops["My Local Shop"].enabled and not shops["My Local Shop"].builtin


def test_bad_custom_shop_is_explained_and_not_added(scripted_window):
    dialog = scripted_window.open_settings()
    count = dialog.shop_list.count()
    dialog.new_name.setText("Broken")
    dialog.new_template.setText("https://shop.example/search")  # no {query}
    assert not dialog.add_custom_shop()
    assert "{query}" in dialog.shop_error.text()
    assert dialog.shop_list.count() == count
    dialog.accept()  # typed-in shop is not lost silently: the dialog stays open
    assert dialog.isVisible()
    assert dialog.new_template.text() == "https://shop.example/search"
    dialog.reject()


def test_default_threshold_comes_from_the_model(scripted_window):
    dialog = scripted_window.open_settings()
    assert dialog.threshold.value() == 0
    # A percentage, like every confidence the app shows.
    assert dialog.threshold.text() == "Model default (50%)"
    dialog.reject()
    assert scripted_window.settings.unsure_threshold() is None


def test_settings_that_cannot_be_saved_are_reported_once(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from tests.support.gui_helpers import ScriptedRecognizer, open_window

    # The settings file's folder cannot be created (a file is in the way): like a
    # read-only settings folder, except that it also holds for root.
    blocker = tmp_path / "not a folder"
    blocker.write_text("")
    settings = AppSettings(QSettings(str(blocker / "settings.ini"),
                                     QSettings.Format.IniFormat))
    window = open_window(qtbot, settings, lambda threads: ScriptedRecognizer(threads))
    assert window.message_bar.text() == ""
    dialog = window.open_settings()
    dialog.threads.setValue(1)
    dialog.accept()
    text = window.message_bar.text()
    assert "preferences cannot be saved" in text.lower()
    window.message_bar.close_button.click()
    window.open_paths([str(write_photo(tmp_path / "a.png"))])  # recent list: not saved either
    wait_for_result(qtbot, window)
    assert window.message_bar.text() == "", "said once, not after every change"
    window.session.wait_idle(WAIT_MS)


def test_damaged_settings_fall_back_to_defaults(tmp_path):
    settings = temp_settings(tmp_path)
    settings.qsettings.setValue("shops/json", "{not json")
    settings.qsettings.setValue("recognition/threads", "many")
    settings.qsettings.setValue("recognition/unsureThreshold", "high")
    assert settings.shops(), "built-in shops come back"
    assert settings.inference_threads() >= 1
    assert settings.unsure_threshold() is None


def test_the_threshold_hint_sits_under_the_threshold_not_the_threads(gui_settings, qtbot):
    from PySide6.QtWidgets import QLabel

    from fmf_desktop._qt.settings_dialog import SettingsDialog

    dialog = SettingsDialog(gui_settings, model_threshold=0.49)
    qtbot.addWidget(dialog)
    dialog.show()
    hint = next(label for label in dialog.findChildren(QLabel)
                if label.text().startswith("A higher threshold"))

    def top(widget) -> int:
        return widget.mapTo(dialog, widget.rect().topLeft()).y()

    assert top(dialog.threshold) < top(hint) < top(dialog.threads)
    # Heard with the box it explains, too.
    assert dialog.threshold.accessibleDescription() == hint.text()


def test_the_dialog_opens_tall_enough_that_nothing_overlaps(gui_settings, qtbot):
    from fmf_desktop._qt.settings_dialog import SettingsDialog

    dialog = SettingsDialog(gui_settings, model_threshold=0.49)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    def bottom(widget) -> int:
        return widget.mapTo(dialog, widget.rect().bottomLeft()).y()

    def top(widget) -> int:
        return widget.mapTo(dialog, widget.rect().topLeft()).y()

    # The wrapped hints need more height than the layout's unwrapped size hint says.
    assert bottom(dialog.shop_list) < top(dialog.remove_button)
