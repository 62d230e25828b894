"""Port items: the connection points of a node (inputs on top, outputs at the bottom: one,
or one per output tensor of a multi-output layer, labelled with its shape).

A port knows only its node item, its kind and its index (input index, or output index);
the scene reports a drag between ports and ``gui.editor`` makes the ``Connect`` edit
(graph rules stay in ``core``).
"""
from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPainterPath
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from paramlab.gui.canvas.painting import LOD_THRESHOLD, PORT_RADIUS, paint_port, port_label_rect

HIT_RADIUS = PORT_RADIUS + 4  # a little larger than drawn, so ports are easy to grab


class PortKind(str, Enum):
    INPUT = "input"
    OUTPUT = "output"


class PortItem(QGraphicsItem):
    """One port of a node item (its parent item).

    Attributes:
        kind: Input or output.
        index: The input index this port stands for, or for an output port the output
            tensor (0: the first; an LSTM with return_state has 3).
        label: Drawn under an output port of a multi-output layer: its tensor's shape.
        plus: An "add another input" port of a layer taking any number of inputs: a
            connection dropped on it takes the first free input.
    """

    def __init__(self, parent: QGraphicsItem, kind: PortKind, index: int, center: QPointF,
                 plus: bool = False, label: str = "", label_width: float = 80.0) -> None:
        super().__init__(parent)
        self.kind = kind
        self.index = index
        self.plus = plus
        self.label = label
        self._label_width = label_width
        self._hover = False
        self.setPos(center)
        self.setAcceptHoverEvents(True)
        if kind is PortKind.OUTPUT and label:
            self.setToolTip(f"Output {index + 1}: {label}; drag to an input port or a layer "
                            "to connect this tensor")
        elif kind is PortKind.OUTPUT:
            self.setToolTip("Output: drag to an input port or a layer to connect")
        elif plus:
            self.setToolTip("Drop a connection here to add an input")
        else:
            self.setToolTip(f"Input {index + 1}")

    @property
    def node_item(self) -> QGraphicsItem:
        return self.parentItem()

    def boundingRect(self) -> QRectF:
        if self.label:  # the shape text under the port
            text = port_label_rect(QPointF(0, 0), self._label_width, self.index % 2)
            return text.united(QRectF(-HIT_RADIUS, -HIT_RADIUS, 2 * HIT_RADIUS, 2 * HIT_RADIUS))
        return QRectF(-HIT_RADIUS, -HIT_RADIUS, 2 * HIT_RADIUS, 2 * HIT_RADIUS)

    def shape(self) -> QPainterPath:
        path = QPainterPath()  # only the circle is hit, never the label
        path.addEllipse(QPointF(0, 0), HIT_RADIUS, HIT_RADIUS)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if option.levelOfDetailFromTransform(painter.worldTransform()) < LOD_THRESHOLD:
            return  # zoomed out: ports are specks; they are still hit (interactions)
        paint_port(painter, QPointF(0, 0), self.plus, self._hover, self.label,
                   self._label_width, self.index % 2)

    def set_highlighted(self, on: bool) -> None:
        if on != self._hover:
            self._hover = on
            self.update()

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.set_highlighted(True)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.set_highlighted(False)
