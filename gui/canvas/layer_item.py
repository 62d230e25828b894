"""Node items: a layer (``LayerItem``) or a collapsed nested model (``GroupItem``).

Items are views (DESIGN.md rule 8): they hold a key (node id or group name) and a
:class:`gui.canvas.painting.NodeLook`, offer display setters, and tell the scene when the
user drags them; the scene reports the gesture and ``gui.editor`` makes the edit.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from paramlab.gui.canvas.painting import (
    LOD_THRESHOLD,
    NODE_HEIGHT,
    NODE_WIDTH,
    NodeLook,
    input_port_pos,
    node_rect,
    output_port_pos,
    paint_node,
)
from paramlab.gui.canvas.port_item import HIT_RADIUS, PortItem, PortKind

_MARGIN = HIT_RADIUS + 6


class NodeItem(QGraphicsItem):
    """Common part of layer and group items: box, ports, position change notification.

    ``show_macs`` (class-wide, a view setting: View ▸ Show MACs on Nodes) draws each
    layer's MACs after its parameters; :func:`set_show_macs` changes it.
    """

    show_macs = False

    def __init__(self, look: NodeLook) -> None:
        super().__init__()
        self._look = look
        flags = (QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                 | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                 | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setFlags(flags)
        self.output_port = PortItem(self, PortKind.OUTPUT, 0, output_port_pos())
        self.output_ports: list[PortItem] = [self.output_port]
        self.input_ports: list[PortItem] = []
        self._port_layout: tuple[int, bool] = (-1, False)
        self.setToolTip(look.tooltip)

    # ------------------------------------------------------------------ display setters
    @property
    def look(self) -> NodeLook:
        return self._look

    def set_look(self, look: NodeLook) -> None:
        if look != self._look:
            self._look = look
            self.setToolTip(look.tooltip)
            self.update()

    def set_title(self, text: str) -> None:
        self.set_look(dataclasses.replace(self._look, title=text))

    def set_shape_text(self, text: str) -> None:
        self.set_look(dataclasses.replace(self._look, shape_text=text))

    def set_params_text(self, text: str) -> None:
        self.set_look(dataclasses.replace(self._look, params_text=text, params_short=""))

    def set_diagnostic(self, severity: str | None, message: str) -> None:
        self.set_look(dataclasses.replace(self._look, severity=severity, tooltip=message))

    def set_input_ports(self, count: int, plus: bool) -> None:
        """Show ``count`` input ports (the last a ``+`` port when ``plus``)."""
        if (count, plus) == self._port_layout:
            return
        self._port_layout = (count, plus)
        scene = self.scene()
        for port in self.input_ports:
            port.setParentItem(None)
            if scene is not None:
                scene.removeItem(port)
        self.input_ports = [PortItem(self, PortKind.INPUT, i, input_port_pos(i, count),
                                     plus and i == count - 1) for i in range(count)]

    def set_output_ports(self, labels: list[str]) -> bool:
        """One output port per label (a multi-output layer's tensor shapes), or the single
        unlabelled port for an empty list. Returns True when the ports changed."""
        if [p.label for p in self.output_ports] == (labels or [""]):
            return False
        scene = self.scene()
        for port in self.output_ports:
            port.setParentItem(None)
            if scene is not None:
                scene.removeItem(port)
        count = max(len(labels), 1)
        # Neighbouring labels alternate rows: each may be as wide as two port gaps.
        width = 2 * NODE_WIDTH / (count + 1) - 4
        self.output_ports = [PortItem(self, PortKind.OUTPUT, i, output_port_pos(i, count),
                                      label=text, label_width=width)
                             for i, text in enumerate(labels or [""])]
        self.output_port = self.output_ports[0]
        return True

    def port_for(self, layer: str, output: int) -> int:
        """The output port an edge carrying output ``output`` of ``layer`` starts from."""
        return output

    # ------------------------------------------------------------------ geometry
    def input_port_scene_pos(self, index: int) -> QPointF:
        count = len(self.input_ports)
        if count == 0:
            return self.mapToScene(QPointF(0, -NODE_HEIGHT / 2))
        return self.mapToScene(input_port_pos(min(index, count - 1), count))

    def output_port_scene_pos(self, output: int = 0) -> QPointF:
        """Where output tensor ``output``'s port is (the first port if there is no such)."""
        count = len(self.output_ports)
        return self.mapToScene(output_port_pos(output if output < count else 0, count))

    def boundingRect(self) -> QRectF:
        return node_rect().adjusted(-_MARGIN, -_MARGIN, _MARGIN, _MARGIN)

    def shape(self):
        from PySide6.QtGui import QPainterPath

        path = QPainterPath()
        path.addRoundedRect(node_rect(), 8, 8)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        paint_node(painter, self._look, selected, lod >= LOD_THRESHOLD, NodeItem.show_macs)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None and hasattr(scene, "node_item_moved"):
                scene.node_item_moved(self)
        return super().itemChange(change, value)


class LayerItem(NodeItem):
    """The canvas view of one layer.

    Attributes:
        node_id: The layer's id in the graph.
    """

    def __init__(self, node_id: str, look: NodeLook) -> None:
        super().__init__(look)
        self.node_id = node_id


class GroupItem(NodeItem):
    """A collapsed nested model shown as one node; its edges attach to it.

    Attributes:
        group: The nested model's name (key of ``LayerGraph.groups``).
        members: Ids of its layers, in topological order.
        tensors: The tensors its output ports stand for, ``(member, output index)`` by port
            (``painting.group_tensors``; empty for a folded block: one port).
        anchor: The centroid of the members' model positions (where the item sits until
            the user drags it; the drag becomes ``Move`` edits of every member).
    """

    def __init__(self, group: str, members: list[str], look: NodeLook) -> None:
        super().__init__(look)
        self.group = group
        self.members = members
        self.kind = "nested"  # or "block": a folded block of View > Group Blocks
        self.anchor = QPointF(0, 0)
        self.tensors: list[tuple[str, int]] = []  # (member, output) of each output port
        self.setZValue(1)
        self.set_input_ports(1, False)

    def port_for(self, layer: str, output: int) -> int:
        """The output port standing for output ``output`` of member ``layer`` (the first
        port for a tensor the item does not list, e.g. a folded block's)."""
        try:
            return self.tensors.index((layer, output))
        except ValueError:
            return 0


def set_show_macs(show: bool, items: list[QGraphicsItem]) -> None:
    """Show (or hide) every node's MACs as its second figure and repaint ``items``."""
    NodeItem.show_macs = show
    for item in items:
        if isinstance(item, NodeItem):
            item.update()


__all__ = ["NODE_HEIGHT", "NODE_WIDTH", "GroupItem", "LayerItem", "NodeItem"]
