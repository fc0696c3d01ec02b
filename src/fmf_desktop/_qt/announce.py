"""Screen reader announcements: tell the user about something that happened elsewhere
(a result is ready, a teach finished, an error appeared) without moving their focus.

Qt 6.8 added ``QAccessibleAnnouncementEvent``; with an older Qt the announcement is
skipped, and the text is still on screen for a screen reader to find.
"""

from __future__ import annotations

from PySide6 import QtGui
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget

_ANNOUNCEMENT_EVENT = getattr(QtGui, "QAccessibleAnnouncementEvent", None)


def announcements_supported() -> bool:
    return _ANNOUNCEMENT_EVENT is not None


def announce(source: QWidget, text: str, *, urgent: bool = False) -> bool:
    """Ask the screen reader, if any, to read ``text``; ``urgent`` interrupts what it is
    saying (errors), otherwise it waits its turn. False when nothing was sent."""
    text = text.strip()
    if _ANNOUNCEMENT_EVENT is None or not text:
        return False
    event = _ANNOUNCEMENT_EVENT(source, text)
    if urgent:
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
    # Does nothing (cheaply) while no assistive technology is listening.
    QAccessible.updateAccessibility(event)
    return True
