"""The frame drawn around the layers of an *expanded* nested model, with its name, so the
user still sees which layers belong to it (a collapsed one is a
:class:`gui.canvas.layer_item.GroupItem`). Double-clicking the frame's label collapses it."""
from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from paramlab.gui.canvas.painting import frame_label_rect, frame_rect, paint_group_frame


class GroupFrameItem(QGraphicsItem):
    """A dashed box behind the layers of expanded nested model ``group``."""

    def __init__(self, group: str, type_text: str) -> None:
        super().__init__()
        self.group = group
        self.type_text = type_text
        self._rect = QRectF()
        self.setZValue(-2)
        self.setToolTip(f"Nested model {group} ({type_text}): double-click the label to collapse")

    def set_members_rect(self, rect: QRectF) -> None:
        """Fit the frame around ``rect`` (the members' bounding box, scene units)."""
        new = frame_rect(rect)
        if new != self._rect:
            self.prepareGeometryChange()
            self._rect = new

    def label_text(self) -> str:
        return f"{self.group} ({self.type_text})"

    def label_rect(self) -> QRectF:
        """Where the name is written: the top-left corner (the only clickable part)."""
        return frame_label_rect(self._rect, self.label_text())

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:  # only the label is clickable: clicks inside reach layers
        path = QPainterPath()
        path.addRect(self.label_rect())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        paint_group_frame(painter, self._rect, self.label_text())
