"""The connect gesture: a rubber-band edge that follows the mouse from a port.

:class:`ConnectionDrag` only draws the temporary curve and finds what lies under the
mouse; deciding which ``Connect`` edit that means is the scene's job
(``CanvasScene.connect_from_port``), and validating it is the graph's.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPen, QTransform
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene

from gui.canvas.layer_item import NodeItem
from gui.canvas.painting import SELECTION_COLOR, edge_path
from gui.canvas.port_item import PortItem, PortKind


def target_at(scene: QGraphicsScene, scene_pos: QPointF,
              ignore: object = None) -> PortItem | NodeItem | None:
    """The port or node under ``scene_pos`` (a port wins over its node), or ``None``."""
    for item in scene.items(scene_pos, Qt.ItemSelectionMode.IntersectsItemShape,
                            Qt.SortOrder.DescendingOrder, QTransform()):
        if item is ignore:
            continue
        if isinstance(item, (PortItem, NodeItem)) and item.isVisible():
            return item
    return None


class ConnectionDrag:
    """A connection being dragged from ``port``; call :meth:`move_to` on every mouse move
    and :meth:`finish` on release (or :meth:`cancel`)."""

    def __init__(self, scene: QGraphicsScene, port: PortItem) -> None:
        self.scene = scene
        self.port = port
        self._line = QGraphicsPathItem()
        pen = QPen(SELECTION_COLOR, 2.0, Qt.PenStyle.DashLine)
        self._line.setPen(pen)
        self._line.setZValue(10)
        scene.addItem(self._line)
        self._hover: PortItem | None = None
        self.move_to(port.scenePos())

    @property
    def line(self) -> QGraphicsPathItem:
        """The rubber-band curve (a temporary scene item)."""
        return self._line

    def move_to(self, scene_pos: QPointF) -> None:
        start = self.port.scenePos()
        if self.port.kind is PortKind.OUTPUT:
            self._line.setPath(edge_path(start, scene_pos))
        else:
            self._line.setPath(edge_path(scene_pos, start))
        target = target_at(self.scene, scene_pos, self._line)
        opposite = isinstance(target, PortItem) and target.kind is not self.port.kind
        port = target if opposite else None
        if port is not self._hover:
            if self._hover is not None:
                self._hover.set_highlighted(False)
            if port is not None:
                port.set_highlighted(True)
            self._hover = port

    def finish(self, scene_pos: QPointF) -> PortItem | NodeItem | None:
        """End the drag; return what the mouse was released on (``None``: empty space)."""
        target = target_at(self.scene, scene_pos, self._line)
        self.cancel()
        return target

    def cancel(self) -> None:
        if self._hover is not None:
            self._hover.set_highlighted(False)
            self._hover = None
        if self._line.scene() is not None:
            self.scene.removeItem(self._line)
