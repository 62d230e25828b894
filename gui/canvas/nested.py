"""How nested models (``LayerGraph.groups``) are shown on the canvas.

A collapsed nested model is one :class:`GroupItem` at the centroid of its layers' model
positions, its layers hidden; an expanded one shows its layers inside a
:class:`GroupFrameItem`. Which of the two is view state kept in the graph
(``LayerGraph.is_group_collapsed``) and changed only by the editor; this class follows it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QTimer

from paramlab.core.group_outputs import group_tensors
from paramlab.core.types import format_shape
from paramlab.gui.canvas.group_item import GroupFrameItem
from paramlab.gui.canvas.layer_item import GroupItem
from paramlab.gui.canvas.painting import group_look, group_members

if TYPE_CHECKING:
    from paramlab.gui.canvas.scene import CanvasScene


class NestedModels:
    """The group items and frames of one scene, kept in step with the graph."""

    def __init__(self, scene: CanvasScene) -> None:
        self._scene = scene
        self.items: dict[str, GroupItem] = {}  # collapsed groups only
        self.frames: dict[str, GroupFrameItem] = {}  # expanded groups only
        self._dirty: set[str] = set()
        # A child timer, not QTimer.singleShot: it dies with the scene, so a refit is never
        # run on items Qt has already deleted (a window closed right after a layout).
        self._timer = QTimer(scene)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._fit_dirty)

    def clear(self) -> None:
        self.items.clear()
        self.frames.clear()
        self._dirty.clear()

    def names(self) -> list[str]:
        """Names of the nested models that have layers on the canvas."""
        scene = self._scene
        graph = scene.document.graph
        return sorted({graph.raw(n).get("group") for n in scene.layer_items()} - {None})

    def sync(self, group: str) -> None:
        """Create, update or remove the item of nested model ``group`` to match the graph."""
        scene = self._scene
        graph = scene.document.graph
        members = group_members(graph, group)
        item = self.items.get(group)
        frame = self.frames.get(group)
        if not members or not graph.is_group_collapsed(group):
            if item is not None:
                del self.items[group]
                scene.removeItem(item)
            for n in members:
                scene.layer_item(n).setVisible(True)
                scene.route_node(n)
            if not members:
                if frame is not None:
                    del self.frames[group]
                    scene.removeItem(frame)
                return
            if frame is None:
                meta = graph.groups.get(group, {})
                frame = GroupFrameItem(group, str(meta.get("type", "Model")))
                self.frames[group] = frame
                scene.addItem(frame)
            self.fit_frame(group)
            return
        if frame is not None:
            del self.frames[group]
            scene.removeItem(frame)
        # What the items show now: never propagate here, this may run in the middle of an edit.
        shown = scene.shown_results()
        look = group_look(graph, group, members, shown if shown else None)
        if item is None:
            item = GroupItem(group, members, look)
            self.items[group] = item
            scene.addItem(item)
        else:
            item.members = members
            item.set_look(look)
        # One port per tensor the group exposes, labelled like a multi-output layer's.
        tensors = group_tensors(graph, group, members, shown if shown else None)
        item.tensors = [(t.member, t.output) for t in tensors]
        item.set_output_ports([format_shape(t.shape) if t.shape is not None else "?"
                               for t in tensors] if len(tensors) > 1 else [])
        for n in members:
            layer = scene.layer_item(n)
            if layer.isSelected():
                layer.setSelected(False)
            layer.setVisible(False)
        self.place(item)

    def edge_changed(self, src: str) -> None:
        """A connection from ``src`` came or went: if ``src`` is in a collapsed nested
        model, the tensors it exposes (its output ports) may have changed."""
        graph = self._scene.document.graph
        group = graph.raw(src).get("group") if src in graph else None
        if group in self.items:
            self.sync(group)

    def place(self, item: GroupItem) -> None:
        """Put a collapsed group at the centroid of its layers' model positions."""
        xs = [self._scene.position_of(n) for n in item.members]
        item.anchor = QPointF(sum(p[0] for p in xs) / len(xs), sum(p[1] for p in xs) / len(xs))
        item.setPos(item.anchor)
        for n in item.members:
            self._scene.route_node(n)

    def layer_moved(self, group: str) -> None:
        """A layer of ``group`` moved: re-place its item, or refit its frame after the burst."""
        if group in self.items:
            self.place(self.items[group])
        elif group in self.frames:
            self._dirty.add(group)
            self._timer.start()

    def _fit_dirty(self) -> None:
        groups, self._dirty = self._dirty, set()
        for group in groups:
            self.fit_frame(group)

    def fit_frame(self, group: str) -> None:
        frame = self.frames.get(group)
        if frame is None:
            return
        rect: QRectF | None = None
        graph = self._scene.document.graph
        for n in graph.layer_ids():
            if graph.raw(n).get("group") == group:
                r = self._scene.layer_item(n).sceneBoundingRect()
                rect = r if rect is None else rect.united(r)
        if rect is not None:
            frame.set_members_rect(rect)
