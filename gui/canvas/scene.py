"""``CanvasScene``: the model drawn as nodes and curves; gestures reported, never applied.

A view (DESIGN.md rule 8): items change only in answer to the document's signals; every
gesture is *reported* by a signal and ``gui.editor.Editor.attach_canvas`` makes it an edit.
Helpers: ``gestures`` (what a gesture means), ``nested`` (nested models), ``blocks_view``
(View ▸ Group Blocks), ``routes`` (dummy points), ``calls_view`` (shared calls folded)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneMouseEvent,
    QMenu,
)

from paramlab.core.propagate import LayerResult
from paramlab.core.types import format_shape
from paramlab.gui.canvas import gestures
from paramlab.gui.canvas.blocks_view import BlockView
from paramlab.gui.canvas.calls_view import SharedCalls
from paramlab.gui.canvas.edge_item import EdgeItem, EdgeKey
from paramlab.gui.canvas.group_item import GroupFrameItem
from paramlab.gui.canvas.interactions import ConnectionDrag, event_grab_radius, port_under
from paramlab.gui.canvas.layer_item import GroupItem, LayerItem, NodeItem
from paramlab.gui.canvas.nested import NestedModels
from paramlab.gui.canvas.painting import input_port_layout
from paramlab.gui.canvas.routes import EdgeRoutes
from paramlab.gui.document import Document


class CanvasScene(QGraphicsScene):
    """The canvas of one :class:`gui.document.Document`.

    Gesture signals (intents; ids are layer ids, positions scene units): layer_dropped(type, pos);
    connect_requested(src, dst, index; -1: first free input, output tensor of src);
    move_finished({id: (x, y)}); delete_requested(ids, edges); copy/cut/duplicate_requested(ids);
    paste_requested(); collapse_requested(group, collapsed); layout_requested();
    trainable_requested(ids, trainable); freeze_up_to_requested(id); rename_requested(id) (the view
    opens an editor); gesture_refused(message). selectionChanged() is emitted once per change.
    """

    layer_dropped = Signal(str, QPointF)
    connect_requested = Signal(str, str, int, int)
    move_finished = Signal(object)
    delete_requested = Signal(list, list)
    copy_requested = Signal(list)
    cut_requested = Signal(list)
    duplicate_requested = Signal(list)
    paste_requested = Signal()
    collapse_requested = Signal(str, bool)
    calls_expand_requested = Signal(str, bool)  # owner id, expanded (shared calls)
    layout_requested = Signal()
    trainable_requested = Signal(list, bool)
    freeze_up_to_requested = Signal(str)
    rename_requested = Signal(str)
    gesture_refused = Signal(str)

    def __init__(self, document: Document, parent: Any = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._layers: dict[str, LayerItem] = {}
        self._edges: dict[EdgeKey, EdgeItem] = {}
        self._node_edges: dict[str, set[EdgeKey]] = {}
        self._nested = NestedModels(self)
        self._routes = EdgeRoutes(self)
        self.blocks = BlockView(self)
        self.calls = SharedCalls(self)
        self._shown: dict[str, LayerResult] = {}  # result each item currently shows
        self._drag: ConnectionDrag | None = None
        # Extra entries for the context menu: hook(menu, selected ids) (gui.exercise_mode).
        self.menu_hooks: list[Any] = []
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        document.layer_added.connect(self._on_layer_added)
        document.layer_removed.connect(self._on_layer_removed)
        document.layer_changed.connect(self.refresh_look)
        document.layer_moved.connect(self._on_layer_moved)
        document.edge_added.connect(self._on_edge_added)
        document.edge_removed.connect(self._on_edge_removed)
        document.results_changed.connect(self.refresh_results)
        document.groups_changed.connect(self._nested.sync)
        document.reset.connect(self.rebuild)
        self.rebuild()
        self.refresh_results()

    # ================================================================== queries
    @property
    def document(self) -> Document:
        return self._doc

    def layer_item(self, node_id: str) -> LayerItem | None:
        """The item of layer ``node_id`` (hidden when its nested model is collapsed)."""
        return self._layers.get(node_id)

    def edge_item(self, key: EdgeKey) -> EdgeItem | None:
        return self._edges.get(key)

    def group_frame(self, group: str) -> GroupFrameItem | None:  # None when collapsed
        return self._nested.frames.get(group)

    def group_item(self, group: str) -> GroupItem | None:  # None when expanded
        return self._nested.items.get(group)

    def visible_items_rect(self) -> QRectF:
        """Bounding box of the visible nodes, edges and frames (not hidden layers)."""
        rect = QRectF()
        for item in self.items():
            if item.isVisible() and isinstance(item, (NodeItem, EdgeItem, GroupFrameItem)):
                rect = rect.united(item.sceneBoundingRect())
        return rect

    def shown_results(self) -> dict[str, LayerResult]:
        """The propagation result each layer item shows now (read by ``NestedModels``)."""
        return self._shown

    def groups(self) -> list[str]:
        """Names of the nested models that have layers on the canvas."""
        return self._nested.names()

    def layer_items(self) -> dict[str, LayerItem]:
        return dict(self._layers)

    def edge_items(self) -> dict[EdgeKey, EdgeItem]:
        return dict(self._edges)

    def owner_item(self, node_id: str) -> NodeItem | None:
        """The visible item standing for layer ``node_id``: its own, its owner's (folded
        shared call), its folded block's or its collapsed nested model's."""
        item = self._layers.get(self.calls.shown_as(node_id))
        if item is None:
            return None
        group = self._doc.graph.raw(node_id).get("group")
        if group is not None:
            return self._nested.items.get(group, item)
        return self.blocks.block_of(node_id) or item

    def position_of(self, node_id: str) -> tuple[float, float]:
        """Where layer ``node_id`` is shown: the model's position, or the block layout's
        while View ▸ Group Blocks is on."""
        return self.blocks.position(node_id) or self._doc.graph.raw(node_id)["position"]

    def show_positions(self) -> None:
        """Move every item to :meth:`position_of` (Group Blocks turned on, off or changed)."""
        folded = {n for item in self.blocks.items.values() for n in item.members}
        for n, item in self._layers.items():
            item.setPos(QPointF(*self.position_of(n)))
            item.setFlag(item.GraphicsItemFlag.ItemIsMovable, not self.blocks.enabled)
            if self._doc.graph.raw(n).get("group") is None:
                item.setVisible(n not in folded)
        for group in list(self._nested.items):
            self._nested.place(self._nested.items[group])
        self._routes.refresh()

    def selected_ids(self) -> list[str]:
        """Ids of the selected layers, in graph order; a selected collapsed group stands
        for all its layers."""
        chosen: set[str] = set()
        for item in self.selectedItems():
            if isinstance(item, LayerItem):
                chosen.add(item.node_id)
            elif isinstance(item, GroupItem):
                chosen.update(item.members)
        return [n for n in self._doc.graph.layer_ids() if n in chosen]

    def selected_edges(self) -> list[EdgeKey]:
        return [i.key for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def select_ids(self, ids: list[str]) -> None:
        """Select exactly the layers ``ids`` (their group item when collapsed); emits
        ``selectionChanged`` once if the selection changed."""
        targets = {self.owner_item(n) for n in ids} - {None}
        before = set(self.selectedItems())
        if before == targets:
            return
        self.blockSignals(True)
        try:
            for item in before - targets:
                item.setSelected(False)
            for item in targets:
                item.setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    # ================================================================== building
    def rebuild(self) -> None:
        """Drop every item and build the scene from the graph (on ``reset``)."""
        if self._drag is not None:
            self._drag.cancel()
            self._drag = None
        self.clear()
        self._layers.clear()
        self._edges.clear()
        self._node_edges.clear()
        self._nested.clear()
        self._shown.clear()
        self.calls.clear()
        graph = self._doc.graph
        for n in self.calls.drawn_layers(graph.layer_ids()):
            self._add_layer_item(n)
        for key in self.calls.drawn_edges(graph.edges()):
            self._add_edge_item(key)
        for group in {graph.raw(n).get("group") for n in graph.layer_ids()} - {None}:
            self._nested.sync(group)
        self._routes.refresh()

    def _add_layer_item(self, node_id: str) -> LayerItem:
        item = LayerItem(node_id, self.calls.look(node_id, None))
        item.setPos(QPointF(*self.position_of(node_id)))
        self._layers[node_id] = item
        self._node_edges.setdefault(node_id, set())
        self._update_ports(node_id)
        self.addItem(item)
        return item

    def _update_ports(self, node_id: str) -> None:
        item = self._layers.get(node_id)
        if item is None:
            return
        graph = self._doc.graph
        used = [i for _, i in graph.inputs(node_id)]
        item.set_input_ports(*input_port_layout(graph.raw(node_id)["type"], used))

    def _add_edge_item(self, key: EdgeKey) -> EdgeItem:
        item = EdgeItem(key)
        self._edges[key] = item
        for n in {self.calls.shown_as(key[0]), self.calls.shown_as(key[1])}:
            self._node_edges.setdefault(n, set()).add(key)
        self.addItem(item)
        return item

    def _route_edge(self, key: EdgeKey) -> None:
        item = self._edges.get(key)
        if item is None:
            return
        src, dst = self.owner_item(key[0]), self.owner_item(key[1])
        if src is None or dst is None:
            return
        item.setVisible(src is not dst)
        if src is dst:
            return
        index = key[2] if isinstance(dst, LayerItem) else 0
        output = src.port_for(key[0], self._doc.graph.output_index(*key))
        item.set_ends(src.output_port_scene_pos(output), dst.input_port_scene_pos(index),
                      self._routes.via(key))

    def route_all(self) -> None:
        for key in self._edges:
            self._route_edge(key)

    def route_node(self, node_id: str) -> None:
        for key in self._node_edges.get(node_id, ()):
            self._route_edge(key)

    # ================================================================== document signals
    def _on_layer_added(self, node_id: str) -> None:
        if not self.calls.added(node_id):
            self._add_layer_item(node_id)
        group = self._doc.graph.raw(node_id).get("group")
        if group is not None:
            self._nested.sync(group)

    def _on_layer_removed(self, node_id: str) -> None:
        item = self._layers.pop(node_id, None)
        self._shown.pop(node_id, None)
        for key in self._node_edges.pop(node_id, set()):
            self._drop_edge_item(key)
        if item is not None:
            self.removeItem(item)
        self.calls.removed(node_id)
        for group, gitem in list(self._nested.items.items()):
            if node_id in gitem.members:
                self._nested.sync(group)

    def refresh_look(self, node_id: str) -> None:
        item = self._layers.get(node_id)
        if item is not None:
            item.set_look(self.calls.look(node_id, self._shown.get(node_id)))

    def _on_layer_moved(self, node_id: str) -> None:
        if (item := self._layers.get(node_id)) is None:
            return
        item.setPos(QPointF(*self.position_of(node_id)))
        group = self._doc.graph.raw(node_id).get("group")
        self.route_node(node_id)
        if group is not None:
            self._nested.layer_moved(group)

    def _on_edge_added(self, src: str, dst: str, index: int) -> None:
        key = (src, dst, index)
        if not self.calls.inner(key):
            self._add_edge_item(key)
        self._update_ports(dst)
        self.route_node(dst)
        self._nested.edge_changed(src)

    def _on_edge_removed(self, src: str, dst: str, index: int) -> None:
        self._drop_edge_item((src, dst, index))
        self._update_ports(dst)  # both do nothing for a removed layer
        self.route_node(dst)
        self._nested.edge_changed(src)

    def _drop_edge_item(self, key: EdgeKey) -> None:
        item = self._edges.pop(key, None)
        for n in key[:2]:
            self._node_edges.get(self.calls.shown_as(n), set()).discard(key)
        if item is not None:
            self.removeItem(item)

    def refresh_results(self) -> None:
        """Update only the items whose ``LayerResult`` object changed (propagation reuses
        the objects of unchanged layers)."""
        result = self._doc.result
        graph = self._doc.graph
        groups: set[str] = set()
        for n, r in result.layers.items():
            if self._shown.get(n) is r:
                continue
            item = self._layers.get(n)
            if item is None:
                continue
            self._shown[n] = r
            item.set_look(self.calls.look(n, r))
            if item.set_output_ports([format_shape(s) for s in r.output_shapes or ()]):
                self.route_node(n)
            group = graph.raw(n).get("group")
            if group is not None:
                groups.add(group)
        for group in groups & set(self._nested.items):
            self._nested.sync(group)

    # ================================================================== item feedback
    def node_item_moved(self, item: NodeItem) -> None:
        """Called by a node item whose position changed (dragged, or set from the model)."""
        if isinstance(item, LayerItem):
            self.route_node(item.node_id)
        elif isinstance(item, GroupItem):
            for n in item.members:
                self.route_node(n)

    # ================================================================== gestures
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drag is None:
            radius = event_grab_radius(event)
            port = port_under(self, event.scenePos(), radius)
            if port is not None:
                self._drag = ConnectionDrag(self, port, radius)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag is not None:
            self._drag.move_to(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag is not None:
            drag, self._drag = self._drag, None
            gestures.report_connect(self, drag.port, drag.finish(event.scenePos()))
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            moved = gestures.moved_positions(self)
            if any(self._doc.graph.raw(n)["position"] != p for n, p in moved.items()):
                self.move_finished.emit(moved)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if gestures.double_click(self, event.scenePos()):
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self._drag is not None:
            self._drag.cancel()
            self._drag = None
        elif not gestures.key_press(self, event):
            super().keyPressEvent(event)
            return
        event.accept()

    def context_menu(self, scene_pos: QPointF) -> QMenu:
        """The menu for ``scene_pos`` (what was clicked is selected; then ``menu_hooks``)."""
        return gestures.context_menu(self, scene_pos)

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:
        menu = self.context_menu(event.scenePos())
        menu.exec(event.screenPos())
        event.accept()


__all__ = ["CanvasScene"]
