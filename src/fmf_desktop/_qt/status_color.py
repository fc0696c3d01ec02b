"""Colours that say what kind of message a text is: an error, a warning, "not sure".

A fixed dark red reads well on a light window and hardly at all on a dark one (about
2:1), so each kind has a shade for light windows and one for dark windows, picked by
the window colour's lightness. Should a theme's window be so mid-grey that neither
reaches the 4.5:1 contrast WCAG asks of body text, the shade is mixed towards the
theme's own text colour until it does.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from fmf_desktop._qt.palette_follow import follow_palette

#: kind -> (shade on a light window, shade on a dark window). The warning's amber
#: differs from the error's red: a warning lets the user go on.
_SHADES = {
    "error": ("#b71c1c", "#ff8a80"),
    "warning": ("#8a5a00", "#f0b840"),
    "not-sure": ("#a84300", "#ffab6e"),
    "info": ("#0d47a1", "#90caf9"),
}
READABLE_CONTRAST = 4.5


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    def luminance(color: QColor) -> float:
        def linear(channel: float) -> float:
            return (channel / 12.92 if channel <= 0.03928
                    else ((channel + 0.055) / 1.055) ** 2.4)
        return (0.2126 * linear(color.redF()) + 0.7152 * linear(color.greenF())
                + 0.0722 * linear(color.blueF()))

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(color: QColor, other: QColor, share: float) -> QColor:
    """``color`` moved ``share`` of the way towards ``other`` (RGB, opaque)."""
    return QColor.fromRgbF(*(a * (1 - share) + b * share for a, b in zip(
        (color.redF(), color.greenF(), color.blueF()),
        (other.redF(), other.greenF(), other.blueF()), strict=True)))


def status_color(palette: QPalette, kind: str) -> QColor:
    """The colour for ``kind`` ("error", "warning", "not-sure", "info") on the window
    colour of ``palette``, at least 4.5:1 against it."""
    light, dark = _SHADES[kind]
    shade = QColor(dark if is_dark(palette) else light)
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    share = 0.0
    color = shade
    while contrast_ratio(color, window) < READABLE_CONTRAST and share < 1.0:
        share = min(1.0, share + 0.1)
        color = mix(shade, text, share)
    return color


def mark_status(widget: QWidget, kind: str | None) -> QWidget:
    """Show ``widget``'s text in the colour of ``kind``, or in the ordinary text colour
    for None, following palette changes; returns it for chaining."""
    def colors_for(palette: QPalette) -> dict[QPalette.ColorRole, QColor]:
        color = (status_color(palette, kind) if kind is not None
                 else palette.color(QPalette.ColorRole.WindowText))
        return {QPalette.ColorRole.WindowText: color}

    follow_palette(widget, colors_for)
    return widget
