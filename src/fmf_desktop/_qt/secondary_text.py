"""Readable grey for secondary text (franchise names, hints under a form).

Disabling a label greys it with the style's disabled colour, which is meant to say "not
available" and is too faint to read comfortably (about 2:1 against the window in
Fusion). Secondary text instead gets the text colour mixed part way towards the
background, which stays above the 4.5:1 contrast WCAG asks of body text in light and
dark palettes alike. The colour follows the palette: it is worked out again when the
user switches between a light and a dark theme.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from fmf_desktop._qt.palette_follow import follow_palette
from fmf_desktop._qt.status_color import mix

# Share of the background in the mix: 0.35 gives about #5a5a5a on a light window (6:1)
# and about #b0b0b0 on a dark one.
_BACKGROUND_SHARE = 0.35


def secondary_color(palette: QPalette) -> QColor:
    text = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText)
    back = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Window)
    return mix(text, back, _BACKGROUND_SHARE)


def mark_secondary(widget: QWidget) -> QWidget:
    """Show ``widget``'s text in the secondary colour; returns it for chaining."""
    follow_palette(widget, lambda palette: {
        QPalette.ColorRole.WindowText: secondary_color(palette)})
    return widget
