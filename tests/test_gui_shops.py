"""Shop buttons open the browser with the right search URL; when the browser cannot be
started the user gets the URL to copy; the frozen app's LD_LIBRARY_PATH never leaks."""
# ruff: noqa: F811 - fixtures imported from tests/support/gui_helpers.py

from __future__ import annotations

import os

import pytest
from PySide6.QtGui import QDesktopServices, QGuiApplication

from fmf_desktop._qt import browser
from fmf_desktop._qt.url_dialog import UrlDialog
from fmf_desktop.shops import shop_links
from tests.support.gui_helpers import (  # noqa: F401 - fixtures
    gui_settings,
    sample_photo,
    screenshot,
    scripted_window,
    wait_for_result,
)


class FakeOpenUrl:
    def __init__(self, result: bool = True) -> None:
        self.result = result
        self.calls: list[tuple[str, str | None]] = []

    def __call__(self, url) -> bool:
        # Record the environment the browser would inherit, too.
        self.calls.append((url.toString(), os.environ.get("LD_LIBRARY_PATH")))
        return self.result


@pytest.fixture
def fake_open(monkeypatch):
    fake = FakeOpenUrl()
    monkeypatch.setattr(QDesktopServices, "openUrl", fake)
    return fake


def test_shop_button_opens_the_shop_search_for_the_best_match(scripted_window, fake_open,
                                                              qtbot):
    window = scripted_window
    window.open_paths([str(sample_photo())])
    result = wait_for_result(qtbot, window)
    best = result.figurines[0].best
    enabled = window.settings.enabled_shops()
    assert len(window.results_panel.shop_buttons) == len(enabled)
    expected_name, expected_url = shop_links(best.character, enabled)[0]
    button = window.results_panel.shop_buttons[0]
    assert button.text() == expected_name
    button.click()
    assert [url for url, _ in fake_open.calls] == [expected_url]
    first_word = best.name.split()[0]
    assert first_word in expected_url and "figure" in expected_url


def test_picking_another_match_changes_the_shop_links(scripted_window, fake_open, qtbot):
    window = scripted_window
    window.open_paths([str(sample_photo())])
    result = wait_for_result(qtbot, window)
    panel = window.results_panel
    second = result.figurines[0].top[1]
    panel.rows[1].clicked.emit()
    assert panel.shop_title.text() == f"Search shops for {second.name}"
    panel.shop_buttons[-1].click()
    expected = shop_links(second.character, window.settings.enabled_shops())[-1][1]
    assert fake_open.calls[-1][0] == expected


def test_when_the_browser_fails_the_url_is_shown_with_a_copy_button(scripted_window,
                                                                   monkeypatch, artifacts_dir):
    fake = FakeOpenUrl(result=False)
    monkeypatch.setattr(QDesktopServices, "openUrl", fake)
    url = "https://example.com/search?q=Gawr+Gura+figure"
    assert browser.open_url(url, scripted_window) is False
    dialogs = scripted_window.findChildren(UrlDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialog = dialogs[0]
    assert dialog.url_field.text() == url
    screenshot(dialog, artifacts_dir / "gui_url_dialog.png")
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == url
    dialog.close()


def test_browser_gets_the_original_library_path_back(monkeypatch, fake_open):
    monkeypatch.setenv("LD_LIBRARY_PATH", "/tmp/_MEI1234")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/usr/local/lib")
    assert browser.open_url("https://example.com/") is True
    assert fake_open.calls == [("https://example.com/", "/usr/local/lib")]
    # Our own process keeps the bundle's value for its remaining libraries.
    assert os.environ["LD_LIBRARY_PATH"] == "/tmp/_MEI1234"


def test_frozen_app_without_an_original_drops_the_bundle_path(monkeypatch, fake_open):
    monkeypatch.setenv("LD_LIBRARY_PATH", "/tmp/_MEI1234")
    monkeypatch.delenv("LD_LIBRARY_PATH_ORIG", raising=False)
    monkeypatch.setattr("sys.frozen", True, raising=False)
    browser.open_url("https://example.com/")
    assert fake_open.calls == [("https://example.com/", None)]
    assert os.environ["LD_LIBRARY_PATH"] == "/tmp/_MEI1234"


def test_unfrozen_app_leaves_the_library_path_alone():
    env = {"LD_LIBRARY_PATH": "/opt/mylibs"}
    with browser.original_library_path(env, frozen=False):
        assert env["LD_LIBRARY_PATH"] == "/opt/mylibs"
    env = {}
    with browser.original_library_path(env, frozen=True):
        assert "LD_LIBRARY_PATH" not in env
    assert env == {}
