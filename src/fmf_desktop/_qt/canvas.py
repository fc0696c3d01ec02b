"""The photo canvas: zoom, pan, a labelled box per figurine, selecting and drawing boxes.

Mouse: wheel zooms around the pointer, dragging pans, clicking a box selects it,
Shift+drag (or drag in draw mode) draws a new box. Keys: Delete removes the selected
box, Escape leaves draw mode.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

from fmf_desktop._qt.box_item import SELECTED_COLOR, BoxItem
from fmf_desktop.results import Box, Figurine

ZOOM_STEP = 1.25
MIN_BOX_SIDE = 8  # image pixels; smaller drags are treated as clicks


def _covered_area(rect: QRectF, others: Sequence[QRectF]) -> float:
    """How much of the other boxes ``rect`` covers, in square view pixels."""
    total = 0.0
    for other in others:
        overlap = rect.intersected(other)
        total += max(0.0, overlap.width()) * max(0.0, overlap.height())
    return total


def _shifted_inside(rect: QRectF, bounds: QRectF) -> QRectF:
    """``rect`` moved sideways so it does not cross ``bounds``' right or left edge (the
    left edge wins for a caption wider than the photo: its start is what is read)."""
    shifted = QRectF(rect)
    if shifted.right() > bounds.right():
        shifted.moveRight(bounds.right())
    if shifted.left() < bounds.left():
        shifted.moveLeft(bounds.left())
    return shifted


class PhotoCanvas(QGraphicsView):
    figurine_selected = Signal(int)  # index into the figurines, -1 for none
    box_drawn = Signal(object)  # Box in image pixels
    delete_requested = Signal(int)  # index of the box to remove
    draw_mode_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Photo")
        self.setAccessibleDescription(
            "The photo with a box around each figurine. Wheel or Ctrl+plus/minus zooms, "
            "drag pans, click a box to select it, Shift+drag draws a new box, Delete "
            "removes the selected box."
        )
        self.setScene(QGraphicsScene(self))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(QColor("#2b2b2b"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Drops are handled by the main window; the view must not swallow them.
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)

        self._pixmap_item: QGraphicsPixmapItem | None = None
        self._boxes: list[BoxItem] = []
        self._selected = -1
        self._fit = True  # keep the photo fitted until the user zooms
        self._draw_mode = False
        self._draw_origin: QPointF | None = None
        self._rubber: QGraphicsRectItem | None = None

    # -- content -------------------------------------------------------------------
    def set_image(self, image: QImage | None) -> None:
        scene = self.scene()
        scene.clear()
        self._boxes = []
        self._pixmap_item = None
        self._rubber = None
        self._selected = -1
        if image is None or image.isNull():
            scene.setSceneRect(QRectF())
            return
        self._pixmap_item = scene.addPixmap(QPixmap.fromImage(image))
        self._pixmap_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        scene.setSceneRect(self._pixmap_item.boundingRect())
        self._fit = True
        self.fit_to_window()

    def has_image(self) -> bool:
        return self._pixmap_item is not None

    def image_size(self) -> tuple[int, int]:
        if self._pixmap_item is None:
            return (0, 0)
        rect = self._pixmap_item.boundingRect()
        return (int(rect.width()), int(rect.height()))

    def set_figurines(self, figurines: Sequence[Figurine], selected: int = -1) -> None:
        for item in self._boxes:
            self.scene().removeItem(item.label)
            self.scene().removeItem(item)
        self._selected = selected if 0 <= selected < len(figurines) else -1
        self._boxes = [
            BoxItem(i, fig, i == self._selected) for i, fig in enumerate(figurines)
        ]
        for item in self._boxes:
            self.scene().addItem(item)
            self.scene().addItem(item.label)
        self._layout_labels()

    @property
    def box_items(self) -> list[BoxItem]:
        return list(self._boxes)

    @property
    def selected_index(self) -> int:
        return self._selected

    def select(self, index: int) -> None:
        """Highlight box ``index`` (no signal; the caller already knows)."""
        self._selected = index if 0 <= index < len(self._boxes) else -1
        for item in self._boxes:
            item.set_selected(item.index == self._selected)
        self._layout_labels()
        if 0 <= index < len(self._boxes):
            self.ensureVisible(self._boxes[index], 20, 20)

    # -- zoom ----------------------------------------------------------------------
    def zoom_in(self) -> None:
        self._zoom(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom(1 / ZOOM_STEP)

    def zoom_factor(self) -> float:
        return self.transform().m11()

    def actual_size(self) -> None:
        self._fit = False
        self.resetTransform()
        self._layout_labels()

    def fit_to_window(self) -> None:
        self._fit = True
        if self._pixmap_item is not None:
            self.fitInView(self._pixmap_item, Qt.AspectRatioMode.KeepAspectRatio)
            self._layout_labels()

    def _layout_labels(self) -> None:
        """Put each caption at its box's corner, moved down when it would cover another.

        Captions keep their on-screen size at every zoom, so overlaps depend on the zoom
        and are resolved in view pixels. The selected box's caption is placed first so
        it stays at its corner. A caption that would sit on another box (a small box
        inside or next to a bigger one) goes above or below its own box instead, where
        that covers less of the other boxes: it must not hide another figurine's face.
        A caption of a box near the photo's right edge moves left to stay on the photo:
        past the edge it would be cut off by the window (or by the dark margin around
        the photo, where the cut-off part is hard to spot).
        """
        if self._pixmap_item is None:
            return
        photo = self.mapFromScene(self._pixmap_item.sceneBoundingRect()).boundingRect()
        photo = photo.toRectF()
        placed: list[QRectF] = []
        order = sorted(self._boxes, key=lambda b: (b.index != self._selected, b.index))
        view_boxes = {b.index: self.mapFromScene(b.rect()).boundingRect().toRectF()
                      for b in self._boxes}
        for item in order:
            own = view_boxes[item.index]
            others = [r for i, r in view_boxes.items() if i != item.index]
            size = item.label.boundingRect().size()
            spots = [_shifted_inside(spot, photo) for spot in (  # in order of preference
                QRectF(own.topLeft(), size),  # inside, at the top-left corner
                QRectF(own.left(), own.top() - size.height(), size.width(), size.height()),
                QRectF(own.left(), own.bottom() + 1, size.width(), size.height()),
            )]
            # Grazing another box's edge is fine (it happens with neighbours at small
            # zooms); moving off the corner is for captions that would sit on a face.
            # min() keeps the first of equals: the corner unless another spot is better.
            grazing = 0.2 * size.width() * size.height()
            spot = min(spots, key=lambda r: max(0.0, _covered_area(r, others) - grazing))
            for _ in range(len(placed) + 1):
                clash = next((p for p in placed if p.intersects(spot)), None)
                if clash is None:
                    break
                spot.moveTop(clash.bottom() + 1)
            placed.append(spot)
            item.label.setPos(self.mapToScene(spot.topLeft().toPoint()))

    def _zoom(self, factor: float) -> None:
        if self._pixmap_item is None:
            return
        current = self.zoom_factor()
        # Keep zoom between "whole photo is a speck" and "one pixel fills the view".
        target = min(max(current * factor, 0.02), 40.0)
        self._fit = False
        self.scale(target / current, target / current)
        self._layout_labels()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        steps = event.angleDelta().y() / 120.0
        if steps and self._pixmap_item is not None:
            self._zoom(ZOOM_STEP**steps)
            event.accept()
        else:
            super().wheelEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._fit:
            self.fit_to_window()

    # -- drawing and selecting -------------------------------------------------------
    def set_draw_mode(self, on: bool) -> None:
        if on == self._draw_mode:
            return
        self._draw_mode = on
        self.setDragMode(
            QGraphicsView.DragMode.NoDrag if on else QGraphicsView.DragMode.ScrollHandDrag
        )
        self.viewport().setCursor(
            Qt.CursorShape.CrossCursor if on else Qt.CursorShape.OpenHandCursor
        )
        self.draw_mode_changed.emit(on)

    @property
    def draw_mode(self) -> bool:
        return self._draw_mode

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.RightButton and self._pixmap_item is not None:
            # Right-click selects the box first, so its context menu acts on that box.
            hit = self._box_at(event.position().toPoint())
            if hit is not None and hit.index != self._selected:
                self.figurine_selected.emit(hit.index)
        if event.button() != Qt.MouseButton.LeftButton or self._pixmap_item is None:
            super().mousePressEvent(event)
            return
        drawing = self._draw_mode or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if drawing:
            self._start_rubber(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        hit = self._box_at(event.position().toPoint())
        if hit is not None:
            self.figurine_selected.emit(hit.index)
            event.accept()
            return
        super().mousePressEvent(event)  # starts a hand-drag pan

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._rubber is not None and self._draw_origin is not None:
            point = self.mapToScene(event.position().toPoint())
            self._rubber.setRect(QRectF(self._draw_origin, point).normalized())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._rubber is not None:
            rect = self._rubber.rect()
            self.scene().removeItem(self._rubber)
            self._rubber = None
            self._draw_origin = None
            box = self._clamp(rect)
            if box is not None:
                self.set_draw_mode(False)  # one box per "draw" action, like most editors
                self.box_drawn.emit(box)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._selected >= 0:
            self.delete_requested.emit(self._selected)
            event.accept()
        elif key == Qt.Key.Key_Escape and (self._draw_mode or self._rubber is not None):
            if self._rubber is not None:
                self.scene().removeItem(self._rubber)
                self._rubber = None
            self.set_draw_mode(False)
            event.accept()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        else:
            super().keyPressEvent(event)

    def _box_at(self, pos) -> BoxItem | None:
        # Smallest box under the pointer wins, so a face inside a bigger box is clickable.
        under = self.items(pos)
        hits = [item for item in under if isinstance(item, BoxItem)]
        hits += [box for box in self._boxes if box.label in under]
        if not hits:
            return None
        return min(hits, key=lambda b: b.rect().width() * b.rect().height())

    def _start_rubber(self, origin: QPointF) -> None:
        self._draw_origin = origin
        pen = QPen(SELECTED_COLOR, 2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self._rubber = self.scene().addRect(QRectF(origin, origin), pen)
        self._rubber.setZValue(10)

    def _clamp(self, rect: QRectF) -> Box | None:
        width, height = self.image_size()
        x0 = max(0, int(round(rect.left())))
        y0 = max(0, int(round(rect.top())))
        x1 = min(width, int(round(rect.right())))
        y1 = min(height, int(round(rect.bottom())))
        if x1 - x0 < MIN_BOX_SIDE or y1 - y0 < MIN_BOX_SIDE:
            return None
        return Box(x0, y0, x1 - x0, y1 - y0)
