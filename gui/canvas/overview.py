"""The zoomed-out drawing of a whole scene, recorded once and replayed (level of detail).

Painting a 1,000-layer model item by item costs a Python call per node, port and edge
(about 9,000 per frame: 100 ms). Below ``LOD_THRESHOLD`` the canvas instead replays one
``QPicture`` of plain boxes (fill colour, no text, no antialiasing) and thin connection
lines, recorded from the visible items and re-recorded only after the scene changed; the
items themselves are switched to ``ItemHasNoContents`` (no paint calls, still hit-tested,
so clicking and rubber-band selection keep working). The overview dock replays the
same picture.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter, QPen, QPicture
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from paramlab.gui.canvas.edge_item import EdgeItem
from paramlab.gui.canvas.layer_item import NodeItem
from paramlab.gui.canvas.painting import (
    EDGE_COLOR,
    FROZEN_FILL,
    SELECTION_COLOR,
    node_rect,
)
from paramlab.gui.style import ERROR_COLOR, category_border_color, category_color

_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents


class Overview:
    """A recorded plain drawing of ``scene`` (see the module docstring)."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self._scene = scene
        self._picture: QPicture | None = None
        self.rect = QRectF()
        self.plain = False  # items drawn by the picture instead of their own paint()
        scene.changed.connect(self.invalidate)

    def invalidate(self, *_: object) -> None:
        self._picture = None

    def picture(self) -> QPicture:
        if self._picture is None:
            self._picture = self._record()
        return self._picture

    def _record(self) -> QPicture:
        if self.plain:  # items added since plain mode began draw through the picture too
            self._apply(True)
        picture = QPicture()
        painter = QPainter(picture)
        rect = QRectF()
        painter.setPen(QPen(EDGE_COLOR, 0))
        for item in self._scene.items():
            if isinstance(item, EdgeItem) and item.isVisible():
                painter.drawPath(item.curve)
        base = node_rect()
        for item in self._scene.items():
            if not isinstance(item, NodeItem) or not item.isVisible():
                continue
            look = item.look
            fill = (FROZEN_FILL if look.frozen else QColor(235, 235, 245) if look.is_group
                    else category_color(look.category))
            border = (ERROR_COLOR if look.is_error else SELECTION_COLOR if item.isSelected()
                      else category_border_color(look.category))
            painter.setPen(QPen(border, 0))
            painter.setBrush(fill)
            box = base.translated(item.pos())
            painter.drawRect(box)
            rect = rect.united(box)
        painter.end()
        self.rect = rect
        return picture

    def set_plain(self, plain: bool) -> None:
        """Let the picture draw every item (``True``) or the items draw themselves."""
        if plain == self.plain:
            return
        self.plain = plain
        self._apply(plain)

    def _apply(self, plain: bool) -> None:
        for item in self._scene.items():
            if isinstance(item, (NodeItem, EdgeItem)) or item.parentItem() is not None:
                if bool(item.flags() & _NO_CONTENTS) != plain:
                    item.setFlag(_NO_CONTENTS, plain)

    def draw(self, painter: QPainter) -> None:
        """Replay the picture in scene coordinates."""
        painter.drawPicture(0, 0, self.picture())
