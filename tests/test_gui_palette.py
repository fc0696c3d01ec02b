"""Coloured text (errors, warnings, "not sure", hints) stays readable on light and dark
themes, and follows a switch between them without reopening anything."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from tests.support.gui_helpers import ScriptedRecognizer

READABLE = 4.5  # WCAG AA for body text


def dark_palette() -> QPalette:
    """A dark theme as desktops ship them: light grey text on a dark grey window."""
    palette = QPalette(QColor("#353535"), QColor("#2d2d2d"))  # button, window
    for role, color in ((QPalette.ColorRole.WindowText, "#e6e6e6"),
                        (QPalette.ColorRole.Text, "#e6e6e6"),
                        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
                        (QPalette.ColorRole.Base, "#1e1e1e"),
                        (QPalette.ColorRole.AlternateBase, "#262626"),
                        (QPalette.ColorRole.Highlight, "#2a82da"),
                        (QPalette.ColorRole.HighlightedText, "#ffffff")):
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, role, QColor(color))
    return palette


def light_palette() -> QPalette:
    return QApplication.style().standardPalette()


PALETTES = {"light": light_palette, "dark": dark_palette}


@contextmanager
def app_palette(name: str) -> Iterator[QPalette]:
    """The whole application in the ``name`` theme, restored afterwards."""
    app = QApplication.instance()
    before = QPalette(app.palette())
    palette = PALETTES[name]()
    app.setPalette(palette)
    QApplication.processEvents()
    try:
        yield palette
    finally:
        app.setPalette(before)
        QApplication.processEvents()


def _luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return (0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF())
            + 0.0722 * channel(color.blueF()))


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def painted_contrast(widget: QWidget, rect: QRect | None = None) -> float:
    """The contrast a user sees: between the colour most of the painted widget has (its
    background) and the painted colour that stands out most from it (its text)."""
    image = (widget.grab() if rect is None else widget.grab(rect)).toImage()
    assert not image.isNull() and image.width() > 0, "nothing painted"
    pixels = Counter(image.pixel(x, y) for x in range(image.width())
                     for y in range(image.height()))
    background = QColor.fromRgb(pixels.most_common(1)[0][0])
    return max(contrast(QColor.fromRgb(p), background) for p in pixels)


Shown = dict[str, tuple[QWidget, QRect | None]]


def coloured_text(qtbot) -> tuple[Shown, list[QWidget]]:
    """Every kind of coloured text, shown: what to grab and where in it, and the windows
    that hold them (keep them, or Python deletes them)."""
    from fmf_desktop._qt.candidate_row import CandidateRow
    from fmf_desktop._qt.message_bar import MessageBar
    from fmf_desktop._qt.results_panel import ResultsPanel
    from fmf_desktop._qt.teach_dialog import TeachDialog
    from fmf_desktop.results import Figurine

    recognizer = ScriptedRecognizer()
    row = CandidateRow(1, recognizer._top(0, 0.9)[0])
    shelf = np.full((60, 80, 3), 120, np.uint8)
    teach = TeachDialog(suggestions=recognizer._top(0, 0.4), crops=[shelf[:20, :20]],
                        correcting=True, whole_photo=shelf, figurines_in_photo=3)
    teach.whole_image.setChecked(True)  # shows the amber whole-photo warning
    teach._show_problems(["Not added: x.jpg: the file cannot be read."])
    bar = MessageBar()
    bar.show_message("The library cannot be opened.", "error")
    panel = ResultsPanel()
    unsure = Figurine(box=None, top=recognizer._top(1, 0.31), embedding=np.zeros(8),
                      decision="unsure", origin="detected")
    panel.set_figurines([unsure], 0)
    windows = [row, teach, bar, panel]
    for widget in windows:
        qtbot.addWidget(widget)
        widget.resize(max(widget.sizeHint().width(), 500), widget.sizeHint().height())
        widget.show()
    QApplication.processEvents()
    return {
        "franchise": (row.franchise_label, None),
        "teach problem": (teach.problem_label, None),
        "whole-photo warning": (teach.whole_photo_warning, None),
        "message bar text": (bar.label, None),
        "message bar close button": (bar, bar.close_button.geometry()),
        "not-sure heading": (panel.heading, None),
    }, windows


def unreadable(widgets: Shown) -> dict[str, float]:
    ratios = {name: painted_contrast(widget, rect) for name, (widget, rect) in widgets.items()}
    return {name: round(ratio, 2) for name, ratio in ratios.items() if ratio < READABLE}


@pytest.mark.parametrize("first, then", [("light", "dark"), ("dark", "light")])
def test_coloured_text_follows_a_theme_switch(qtbot, first, then):
    with app_palette(first):
        widgets, _windows = coloured_text(qtbot)
        assert unreadable(widgets) == {}
        with app_palette(then):
            assert unreadable(widgets) == {}, f"after switching from {first} to {then}"


def test_box_captions_are_readable_on_their_box_colours():
    # Captions are white on the known, selected and "not sure" colours in the photo view,
    # and white (dark on the light ones) in camera mode.
    from fmf_desktop._qt import box_item, camera_view
    from fmf_desktop._qt.status_color import contrast_ratio

    white, black = QColor("white"), QColor("black")
    for colour in (box_item.KNOWN_COLOR, box_item.UNSURE_COLOR, box_item.SELECTED_COLOR):
        assert contrast_ratio(white, colour) >= 4.5, colour.name()
    for kind, rgb in camera_view.COLORS.items():
        text = black if kind in camera_view.DARK_TEXT else white
        assert contrast_ratio(text, QColor(*rgb)) >= 4.5, kind
