"""The connect gesture: a rubber-band edge that follows the mouse from a port.

:class:`ConnectionDrag` only draws the temporary curve and finds what lies under the
mouse; deciding which ``Connect`` edit that means is the scene's job
(``CanvasScene.connect_from_port``), and validating it is the graph's.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPen, QTransform
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
)

from paramlab.gui.canvas.layer_item import NodeItem
from paramlab.gui.canvas.painting import SELECTION_COLOR, edge_path
from paramlab.gui.canvas.port_item import HIT_RADIUS, PortItem, PortKind

GRAB_PIXELS = 8.0  # a port can be grabbed this many screen pixels from its centre ...
MAX_GRAB = 18.0  # ... but never from further than this (scene units; a node is 76 tall)


def grab_radius(scale: float) -> float:
    """How near (scene units) the mouse must be to a port at view scale ``scale``: the
    drawn port plus a margin at normal zoom, a few screen pixels when zoomed out (a
    port 6 units wide is 2 pixels at scale 0.3), capped so a press on a node's body
    still moves it."""
    return min(MAX_GRAB, max(HIT_RADIUS, GRAB_PIXELS / max(scale, 1e-6)))


def port_near(scene: QGraphicsScene, scene_pos: QPointF, radius: float,
              kind: PortKind | None = None) -> PortItem | None:
    """The visible port (of ``kind``, if given) whose centre is nearest ``scene_pos``
    within ``radius``, or ``None``."""
    area = QRectF(scene_pos.x() - radius, scene_pos.y() - radius, 2 * radius, 2 * radius)
    best: PortItem | None = None
    best_d = radius * radius
    for item in scene.items(area, Qt.ItemSelectionMode.IntersectsItemBoundingRect,
                            Qt.SortOrder.DescendingOrder, QTransform()):
        if not isinstance(item, PortItem) or not item.isVisible():
            continue
        if kind is not None and item.kind is not kind:
            continue
        d = item.scenePos() - scene_pos
        dist = d.x() * d.x() + d.y() * d.y()
        if dist <= best_d:
            best, best_d = item, dist
    return best


def port_under(scene: QGraphicsScene, scene_pos: QPointF, radius: float) -> PortItem | None:
    """The port under ``scene_pos``, else the nearest one within ``radius``."""
    item = target_at(scene, scene_pos)
    return item if isinstance(item, PortItem) else port_near(scene, scene_pos, radius)


def event_grab_radius(event: QGraphicsSceneMouseEvent) -> float:
    """:func:`grab_radius` at the scale of the view ``event`` came from."""
    widget = event.widget()
    view = widget.parentWidget() if widget is not None else None
    scale = view.transform().m11() if isinstance(view, QGraphicsView) else 1.0
    return grab_radius(scale)


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

    def __init__(self, scene: QGraphicsScene, port: PortItem, radius: float = HIT_RADIUS) -> None:
        self.scene = scene
        self.port = port
        self.radius = radius  # how near a port the mouse must be to hit it (scene units)
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
        port = self._opposite_port(scene_pos)
        if port is not self._hover:
            if self._hover is not None:
                self._hover.set_highlighted(False)
            if port is not None:
                port.set_highlighted(True)
            self._hover = port

    def finish(self, scene_pos: QPointF) -> PortItem | NodeItem | None:
        """End the drag; return what the mouse was released on (``None``: empty space)."""
        target = self._opposite_port(scene_pos) or target_at(self.scene, scene_pos, self._line)
        self.cancel()
        return target

    def _opposite_port(self, scene_pos: QPointF) -> PortItem | None:
        want = PortKind.INPUT if self.port.kind is PortKind.OUTPUT else PortKind.OUTPUT
        return port_near(self.scene, scene_pos, self.radius, want)

    def cancel(self) -> None:
        if self._hover is not None:
            self._hover.set_highlighted(False)
            self._hover = None
        if self._line.scene() is not None:
            self.scene.removeItem(self._line)
