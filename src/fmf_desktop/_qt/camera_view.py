"""The live preview: the newest camera frame with a box, name and confidence per figurine.

Live labels come from the last recognition update, which describes a frame a little
older than the one on screen; each box is moved by its track's velocity for the time in
between, so boxes stay on their figurines while the camera pans.  When frozen, the view
shows the full photo-pipeline result for the frozen frame instead, and a click on a box
selects that figurine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

if TYPE_CHECKING:  # importing the live core pulls in OpenCV; not needed to draw
    from fmf_desktop.live.pipeline import LiveFigurine, LiveUpdate
    from fmf_desktop.results import Box, Figurine

#: Box colours by kind ("known", "unsure", ...): the decision picks the colour, and the
#: caption's text colour follows the same kind.
# The photo view's green and blue (box_item.py): white captions on them read at 5:1 or
# more (the lighter ones used before measured 2.8:1). "Not sure" and "pending" are light
# and carry dark text.
COLORS = {
    "known": (46, 125, 50),
    "unsure": (245, 140, 20),
    "pending": (180, 180, 180),
    "selected": (21, 101, 192),
}
DARK_TEXT = {"unsure", "pending"}
#: Don't extrapolate a box further than this (s): after a stall, better stale than wild.
MAX_EXTRAPOLATION = 0.4
#: A tag may be wider than a small box, up to this many average characters, so a name
#: such as "Watson Amelia? 41%" stays readable over a far-away figurine.  Wider would let
#: the tags of neighbours on a shelf cover each other.
TAG_MIN_CHARS = 24


#: A box's tag: (first line, second line, end of the second line that is never elided).
Caption = tuple[str, str, str]


def live_caption(fig: LiveFigurine) -> Caption:
    if fig.character is None:
        return ("…", "", "")
    if fig.decision == "known":
        return (fig.character.name, "", f"{fig.score * 100:.0f}%")
    return ("Not sure", f"{fig.character.name}?", f" {fig.score * 100:.0f}%")


def photo_caption(fig: Figurine, number: int | None = None) -> Caption:
    """A frozen frame's tag; ``number`` is the figurine's place in the results list beside
    the picture, shown like the photo view does ("2. Mori Calliope")."""
    prefix = f"{number}. " if number is not None else ""
    best = fig.best
    if best is None:
        return (f"{prefix}?", "", "")
    if fig.decision == "known":
        return (f"{prefix}{best.name}", "", f"{best.score * 100:.0f}%")
    return (f"{prefix}Not sure", f"{best.name}?", f" {best.score * 100:.0f}%")


class CameraView(QWidget):
    figurine_clicked = Signal(int)  # index into the frozen result
    resized = Signal(int, int)  # device pixels available for the picture
    frame_painted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Camera preview")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self._frame_size = (0, 0)  # full-resolution size the boxes refer to
        self._frame_t = 0.0
        self._update: LiveUpdate | None = None
        self._frozen: tuple[Figurine, ...] | None = None
        self._selected = -1
        self._banner = ""
        self._dimmed = False
        self._banner_at_bottom = False
        self._painted_tags: list[tuple[QRectF, list[str]]] = []

    # -- state ----------------------------------------------------------------------------
    def set_frame(self, image: QImage, width: int, height: int, t: float) -> None:
        self._image = image
        self._frame_size = (width, height)
        self._frame_t = t
        self.update()

    def set_live(self, update: LiveUpdate | None) -> None:
        self._update = update
        self.update()

    def set_frozen(self, figurines: Sequence[Figurine] | None, selected: int = 0) -> None:
        """Show a photo-pipeline result (None: back to live labels)."""
        self._frozen = tuple(figurines) if figurines is not None else None
        self._selected = selected
        self.update()

    def select(self, index: int) -> None:
        self._selected = index
        self.update()

    def set_banner(self, text: str, *, dim: bool = False, at_bottom: bool = False) -> None:
        """A message over the picture (e.g. "camera disconnected"); empty hides it.
        ``at_bottom``: at the picture's bottom edge instead of its middle, for a message
        shown with the figurines' names (the middle would cover some)."""
        self._banner = text
        self._dimmed = dim
        self._banner_at_bottom = at_bottom
        self.update()

    def banner_rect(self) -> QRectF:
        """Where the banner is painted (widget pixels); empty when there is none."""
        return self._banner_box()[0] if self._banner else QRectF()

    def clear(self) -> None:
        self._image = None
        self._update = None
        self._frozen = None
        self._banner = ""
        self.update()

    @property
    def frame_time(self) -> float:
        """Stream time (s) of the frame on screen."""
        return self._frame_t

    @property
    def banner(self) -> str:
        return self._banner

    @property
    def live_update(self) -> LiveUpdate | None:
        return self._update

    def has_frame(self) -> bool:
        return self._image is not None

    @property
    def painted_tags(self) -> list[tuple[QRectF, list[str]]]:
        """Each box's tag as last painted: its rectangle (widget pixels) and text lines."""
        return list(self._painted_tags)

    def picture_rect(self) -> QRectF:
        """Where the picture is drawn (the rest of the widget is the letterbox)."""
        return self._picture_rect()

    # -- geometry ---------------------------------------------------------------------------
    def _picture_rect(self) -> QRectF:
        fw, fh = self._frame_size
        if not fw or not fh:
            return QRectF()
        scale = min(self.width() / fw, self.height() / fh)
        w, h = fw * scale, fh * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _map(self, box: Box, dx: float = 0.0, dy: float = 0.0) -> QRectF:
        r = self._picture_rect()
        s = r.width() / self._frame_size[0]
        return QRectF(r.x() + (box.x + dx) * s, r.y() + (box.y + dy) * s, box.w * s, box.h * s)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        ratio = self.devicePixelRatioF()
        self.resized.emit(round(self.width() * ratio), round(self.height() * ratio))

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._frozen is None or event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        # Smallest box under the cursor wins, so nested boxes stay clickable.
        hits = [(f.box.area, i) for i, f in enumerate(self._frozen)
                if self._map(f.box).contains(pos)]
        if hits:
            index = min(hits)[1]
            self.select(index)
            self.figurine_clicked.emit(index)

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        self._painted_tags = []
        p.fillRect(self.rect(), QColor(24, 24, 24))
        if self._image is not None:
            picture = self._picture_rect()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(picture, self._image)
            if self._dimmed:
                p.fillRect(picture, QColor(0, 0, 0, 120))
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            if self._frozen is not None:
                for i, fig in enumerate(self._frozen):
                    kind = "selected" if i == self._selected else fig.decision
                    # Numbered like the results list beside the picture.
                    self._draw_box(p, self._map(fig.box), picture, photo_caption(fig, i + 1),
                                   kind, dashed=fig.decision == "unsure",
                                   selected=i == self._selected)
            elif self._update is not None and not self._dimmed:
                dt = min(max(0.0, self._frame_t - self._update.t), MAX_EXTRAPOLATION)
                for fig in self._update.figurines:
                    kind = "pending" if fig.character is None else fig.decision
                    # Extrapolated for fast motion, a box can run past the frame; the
                    # figurine is at the edge then, so that is where the box goes.
                    rect = _keep_inside(self._map(fig.box, fig.vx * dt, fig.vy * dt),
                                        picture)
                    self._draw_box(p, rect, picture, live_caption(fig), kind,
                                   dashed=kind == "unsure")
        if self._banner:
            self._draw_banner(p)
        p.end()
        self.frame_painted.emit()

    def _draw_box(self, p: QPainter, rect: QRectF, picture: QRectF, caption: Caption,
                  kind: str, *, dashed: bool = False, selected: bool = False) -> None:
        color = QColor(*COLORS.get(kind, COLORS["pending"]))
        pen = QPen(color, 4 if selected else 2.5)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)
        # Two short lines, no wider than the box or a short name, whichever is wider: tags
        # of figurines standing side by side on a shelf must not cover each other, and a
        # small box must not elide its name to nothing.
        bold = QFont(self.font())
        bold.setBold(True)
        fm = QFontMetricsF(bold)
        pad = fm.height() * 0.2
        max_w = min(max(rect.width(), fm.averageCharWidth() * TAG_MIN_CHARS),
                    max(picture.width(), fm.averageCharWidth() * 8)) - 2 * pad
        first, name, tail = caption
        # Names give way to the width; the confidence is always shown in full.
        second = fm.elidedText(name, Qt.TextElideMode.ElideRight,
                               max(0.0, max_w - fm.horizontalAdvance(tail))) + tail
        lines = [fm.elidedText(first, Qt.TextElideMode.ElideRight, max_w)]
        if second.strip():
            lines.append(second)
        text_w = max(fm.horizontalAdvance(t) for t in lines) + 2 * pad
        text_h = fm.height() * len(lines) + pad
        # The tag sits above the box, or inside its top edge when there is no room above
        # it in the picture; never on the black bars around a letterboxed picture.
        y = rect.top() - text_h if rect.top() - text_h >= picture.top() else rect.top()
        y = max(picture.top(), min(y, picture.bottom() - text_h))
        x = max(picture.left(), min(rect.left(), picture.right() - text_w))
        tag = QRectF(x, y, text_w, text_h)
        self._painted_tags.append((tag, lines))
        p.fillRect(tag, color)
        p.setPen(QColor(0, 0, 0) if kind in DARK_TEXT else QColor(255, 255, 255))
        for i, line in enumerate(lines):
            font = bold if i == 0 else self.font()
            p.setFont(font)
            p.drawText(QRectF(x + pad, y + pad / 2 + i * fm.height(), text_w - 2 * pad,
                              fm.height()),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, line)

    def _banner_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        return font

    def _banner_box(self) -> tuple[QRectF, float]:
        """The banner's rectangle and margin."""
        fm = QFontMetricsF(self._banner_font())
        margin = fm.height()
        width = min(self.width() - 2 * margin, fm.horizontalAdvance(self._banner) + 2 * margin)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        text_rect = fm.boundingRect(QRectF(0, 0, width - margin, 1000), flags, self._banner)
        box = QRectF(0, 0, width, text_rect.height() + margin)
        box.moveCenter(QPointF(self.width() / 2, self.height() / 2))
        if self._banner_at_bottom:
            picture = self._picture_rect()
            bottom = picture.bottom() if not picture.isEmpty() else self.height()
            box.moveBottom(min(bottom, self.height()) - margin / 2)
        return box, margin

    def _draw_banner(self, p: QPainter) -> None:
        p.setFont(self._banner_font())
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        box, margin = self._banner_box()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 190))
        p.drawRoundedRect(box, margin / 2, margin / 2)
        p.setPen(QColor(255, 255, 255))
        p.drawText(box.adjusted(margin / 2, margin / 2, -margin / 2, -margin / 2), flags,
                   self._banner)


def _keep_inside(rect: QRectF, bounds: QRectF) -> QRectF:
    """`rect` moved (and, if larger, shrunk) so that it lies within `bounds`."""
    w, h = min(rect.width(), bounds.width()), min(rect.height(), bounds.height())
    x = max(bounds.left(), min(rect.left(), bounds.right() - w))
    y = max(bounds.top(), min(rect.top(), bounds.bottom() - h))
    return QRectF(x, y, w, h)
