"""``CanvasScene``: the model drawn as nodes and curves, and the gestures that edit it.

The scene is a view (DESIGN.md rule 8). It keeps ``dict[node_id, LayerItem]`` and
``dict[(src, dst, index), EdgeItem]`` and changes them only in answer to the document's
signals. Every gesture (drop, connect, move, delete, paste, layout) becomes core edits
pushed through :meth:`gui.document.Document.execute` / ``execute_many``; a refused edit is
reported by the document's ``edit_refused`` signal and leaves the graph unchanged.

Nested models (``LayerGraph.groups``) are shown collapsed as one :class:`GroupItem` unless
``groups[name]["collapsed"]`` is false. Collapsing and expanding is view state: it toggles
that flag without an undo step (like folding a tree). When the canvas was auto laid out
for the old state (every layer where ``core.layout.auto_layout`` puts it), the toggle is
followed by an undoable "Auto layout" for the new one, so an expanded model does not
cover its neighbours and a collapsed one leaves no gap; a hand-arranged canvas is left alone.

Renaming: double-click a layer's title (or F2, or the context menu) and the view opens
an inline editor (:meth:`gui.canvas.view.CanvasView.start_rename`, asked for through
:attr:`CanvasScene.rename_requested`); the new name goes through :meth:`rename_layer`.
"""
from __future__ import annotations

import atexit
import logging
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QTransform
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QMenu,
)

from paramlab.core.catalogue import get_spec
from paramlab.core.clipboard import ClipboardError, copy_layers, paste_edits
from paramlab.core.edits import AddLayer, Connect, Disconnect, Move, RemoveLayer, Rename
from paramlab.core.layout import auto_layout
from paramlab.core.propagate import LayerResult
from paramlab.gui import mime
from paramlab.gui.canvas.edge_item import EdgeItem, EdgeKey
from paramlab.gui.canvas.group_item import GroupFrameItem
from paramlab.gui.canvas.interactions import ConnectionDrag, grab_radius, port_near, target_at
from paramlab.gui.canvas.layer_item import GroupItem, LayerItem, NodeItem
from paramlab.gui.canvas.painting import (
    group_look,
    group_members,
    group_output,
    input_port_layout,
    layer_look,
    title_hit_rect,
)
from paramlab.gui.canvas.port_item import PortItem, PortKind
from paramlab.gui.document import Document

log = logging.getLogger(__name__)

PASTE_OFFSET = 40.0


class CanvasScene(QGraphicsScene):
    """The canvas of one :class:`gui.document.Document`.

    Signals:
        selectionChanged(): Qt's own, emitted once per selection change (also by
            :meth:`select_ids`).
        rename_requested(node_id): the user asked to rename a layer (double-click on its
            title, F2, context menu); the view opens an editor.
    """

    rename_requested = Signal(str)

    def __init__(self, document: Document, parent: Any = None) -> None:
        super().__init__(parent)
        self._doc = document
        self._layers: dict[str, LayerItem] = {}
        self._edges: dict[EdgeKey, EdgeItem] = {}
        self._node_edges: dict[str, set[EdgeKey]] = {}
        self._groups: dict[str, GroupItem] = {}  # collapsed groups only
        self._frames: dict[str, GroupFrameItem] = {}  # expanded groups only
        self._dirty_frames: set[str] = set()
        # A child timer, not QTimer.singleShot: it dies with the scene, so a refit is never
        # run on items Qt has already deleted (a window closed right after a layout).
        self._frame_timer = QTimer(self)
        self._frame_timer.setSingleShot(True)
        self._frame_timer.setInterval(0)
        self._frame_timer.timeout.connect(self._fit_dirty_frames)
        self._shown: dict[str, LayerResult] = {}  # result each item currently shows
        self._drag: ConnectionDrag | None = None
        self._paste_count = 0
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        document.layer_added.connect(self._on_layer_added)
        document.layer_removed.connect(self._on_layer_removed)
        document.layer_changed.connect(self._on_layer_changed)
        document.layer_moved.connect(self._on_layer_moved)
        document.edge_added.connect(self._on_edge_added)
        document.edge_removed.connect(self._on_edge_removed)
        document.results_changed.connect(self._on_results_changed)
        document.reset.connect(self.rebuild)
        self.rebuild()
        self._on_results_changed()

    # ================================================================== queries
    @property
    def document(self) -> Document:
        return self._doc

    def layer_item(self, node_id: str) -> LayerItem | None:
        """The item of layer ``node_id`` (hidden when its nested model is collapsed)."""
        return self._layers.get(node_id)

    def edge_item(self, key: EdgeKey) -> EdgeItem | None:
        return self._edges.get(key)

    def group_frame(self, group: str) -> GroupFrameItem | None:
        """The frame around expanded nested model ``group``, or ``None`` when collapsed."""
        return self._frames.get(group)

    def group_item(self, group: str) -> GroupItem | None:
        """The item of collapsed nested model ``group``, or ``None`` when expanded."""
        return self._groups.get(group)

    def visible_items_rect(self) -> QRectF:
        """Bounding box of the visible nodes, edges and frames (scene units). Unlike
        ``itemsBoundingRect`` it leaves out the hidden layers of collapsed nested models,
        which are stacked around their group and would make zoom to fit far too small."""
        rect = QRectF()
        for item in self.items():
            if item.isVisible() and item.parentItem() is None and item is not self._drag_line():
                rect = rect.united(item.sceneBoundingRect())
        return rect

    def _drag_line(self) -> object:
        return self._drag.line if self._drag is not None else None

    def layer_items(self) -> dict[str, LayerItem]:
        return dict(self._layers)

    def edge_items(self) -> dict[EdgeKey, EdgeItem]:
        return dict(self._edges)

    def owner_item(self, node_id: str) -> NodeItem | None:
        """The visible item standing for layer ``node_id``: its own or its collapsed group's."""
        item = self._layers.get(node_id)
        if item is None:
            return None
        group = self._doc.graph.raw(node_id).get("group")
        return self._groups.get(group, item) if group is not None else item

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
        self._groups.clear()
        self._frames.clear()
        self._shown.clear()
        graph = self._doc.graph
        for n in graph.layer_ids():
            self._add_layer_item(n)
        for key in graph.edges():
            self._add_edge_item(key)
        for group in {graph.raw(n).get("group") for n in graph.layer_ids()} - {None}:
            self._sync_group(group)
        self._route_all()

    def _add_layer_item(self, node_id: str) -> LayerItem:
        graph = self._doc.graph
        d = graph.raw(node_id)
        item = LayerItem(node_id, layer_look(graph, node_id, None))
        item.setPos(QPointF(*d["position"]))
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
        self._node_edges.setdefault(key[0], set()).add(key)
        self._node_edges.setdefault(key[1], set()).add(key)
        self.addItem(item)
        return item

    def _route_edge(self, key: EdgeKey) -> None:
        item = self._edges.get(key)
        if item is None:
            return
        src, dst = self.owner_item(key[0]), self.owner_item(key[1])
        if src is None or dst is None:
            return
        inner = src is dst
        item.setVisible(not inner)
        if inner:
            return
        index = key[2] if isinstance(dst, LayerItem) else 0
        item.set_ends(src.output_port_scene_pos(), dst.input_port_scene_pos(index))

    def _route_all(self) -> None:
        for key in self._edges:
            self._route_edge(key)

    def _route_node(self, node_id: str) -> None:
        for key in self._node_edges.get(node_id, ()):
            self._route_edge(key)

    # ================================================================== groups
    def _group_collapsed(self, group: str) -> bool:
        return bool(self._doc.graph.groups.get(group, {}).get("collapsed", True))

    def _sync_group(self, group: str) -> None:
        """Create, update or remove the item of nested model ``group`` to match the graph."""
        graph = self._doc.graph
        members = group_members(graph, group)
        item = self._groups.get(group)
        frame = self._frames.get(group)
        if not members or not self._group_collapsed(group):
            if item is not None:
                del self._groups[group]
                self.removeItem(item)
            for n in members:
                self._layers[n].setVisible(True)
            for n in members:
                self._route_node(n)
            if not members:
                if frame is not None:
                    del self._frames[group]
                    self.removeItem(frame)
                return
            if frame is None:
                meta = graph.groups.get(group, {})
                frame = GroupFrameItem(group, str(meta.get("type", "Model")))
                self._frames[group] = frame
                self.addItem(frame)
            self._fit_frame(group)
            return
        if frame is not None:
            del self._frames[group]
            self.removeItem(frame)
        # What the items show now: never propagate here, this may run in the middle of an edit.
        look = group_look(graph, group, members, self._shown if self._shown else None)
        if item is None:
            item = GroupItem(group, members, look)
            self._groups[group] = item
            self.addItem(item)
        else:
            item.members = members
            item.set_look(look)
        for n in members:
            layer = self._layers[n]
            if layer.isSelected():
                layer.setSelected(False)
            layer.setVisible(False)
        self._place_group(item)

    def _place_group(self, item: GroupItem) -> None:
        """Put a collapsed group at the centroid of its layers' model positions."""
        graph = self._doc.graph
        xs = [graph.raw(n)["position"] for n in item.members]
        item.anchor = QPointF(sum(p[0] for p in xs) / len(xs), sum(p[1] for p in xs) / len(xs))
        item.setPos(item.anchor)
        for n in item.members:
            self._route_node(n)

    def _refit_later(self, group: str) -> None:
        """Fit a frame once after a burst of moves (auto layout moves every layer)."""
        self._dirty_frames.add(group)
        self._frame_timer.start()

    def _fit_dirty_frames(self) -> None:
        groups, self._dirty_frames = self._dirty_frames, set()
        for group in groups:
            self._fit_frame(group)

    def _fit_frame(self, group: str) -> None:
        frame = self._frames.get(group)
        if frame is None:
            return
        rect = None
        for n in self._doc.graph.layer_ids():
            if self._doc.graph.raw(n).get("group") == group:
                r = self._layers[n].sceneBoundingRect()
                rect = r if rect is None else rect.united(r)
        if rect is not None:
            frame.set_members_rect(rect)

    def set_group_collapsed(self, group: str, collapsed: bool) -> None:
        """Show nested model ``group`` as one node (``collapsed``) or as its layers.

        View state: stored in ``graph.groups[group]["collapsed"]`` without an undo step.
        If every layer sat where auto layout put it, the canvas is laid out again for
        the new state (one undoable "Auto layout" step, see the module docstring).
        """
        graph = self._doc.graph
        meta = graph.groups.setdefault(group, {})
        changed = bool(meta.get("collapsed", True)) != bool(collapsed)
        was_auto = changed and self.is_auto_laid_out()
        meta["collapsed"] = bool(collapsed)
        self._sync_group(group)
        if changed:
            self._doc.groups_changed.emit(group)
        if was_auto:
            verb = "collapsing" if collapsed else "expanding"
            self.auto_layout(f"Auto layout after {verb} {group}")

    def is_auto_laid_out(self) -> bool:
        """True when every layer is (within half a unit) where ``core.layout`` puts it."""
        graph = self._doc.graph
        for n, (x, y) in auto_layout(graph).items():
            px, py = graph.raw(n)["position"]
            if abs(px - x) > 0.5 or abs(py - y) > 0.5:
                return False
        return True

    def groups(self) -> list[str]:
        """Names of the nested models that have layers on the canvas."""
        graph = self._doc.graph
        return sorted({graph.raw(n).get("group") for n in self._layers} - {None})

    # ================================================================== document signals
    def _on_layer_added(self, node_id: str) -> None:
        self._add_layer_item(node_id)
        group = self._doc.graph.raw(node_id).get("group")
        if group is not None:
            self._sync_group(group)

    def _on_layer_removed(self, node_id: str) -> None:
        item = self._layers.pop(node_id, None)
        self._shown.pop(node_id, None)
        for key in self._node_edges.pop(node_id, set()):
            self._drop_edge_item(key)
        if item is not None:
            self.removeItem(item)
        for group, gitem in list(self._groups.items()):
            if node_id in gitem.members:
                self._sync_group(group)

    def _on_layer_changed(self, node_id: str) -> None:
        item = self._layers.get(node_id)
        if item is not None:
            item.set_look(layer_look(self._doc.graph, node_id, self._shown.get(node_id)))

    def _on_layer_moved(self, node_id: str) -> None:
        item = self._layers.get(node_id)
        if item is None:
            return
        item.setPos(QPointF(*self._doc.graph.raw(node_id)["position"]))
        group = self._doc.graph.raw(node_id).get("group")
        if group in self._groups:
            self._place_group(self._groups[group])
        else:
            self._route_node(node_id)
            if group in self._frames:
                self._refit_later(group)

    def _on_edge_added(self, src: str, dst: str, index: int) -> None:
        key = (src, dst, index)
        self._add_edge_item(key)
        self._update_ports(dst)
        self._route_node(dst)

    def _on_edge_removed(self, src: str, dst: str, index: int) -> None:
        self._drop_edge_item((src, dst, index))
        if dst in self._layers:
            self._update_ports(dst)
            self._route_node(dst)

    def _drop_edge_item(self, key: EdgeKey) -> None:
        item = self._edges.pop(key, None)
        for n in key[:2]:
            self._node_edges.get(n, set()).discard(key)
        if item is not None:
            self.removeItem(item)

    def _on_results_changed(self) -> None:
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
            item.set_look(layer_look(graph, n, r))
            group = graph.raw(n).get("group")
            if group is not None:
                groups.add(group)
        for group in groups & set(self._groups):
            self._sync_group(group)

    # ================================================================== item feedback
    def node_item_moved(self, item: NodeItem) -> None:
        """Called by a node item whose position changed (dragged, or set from the model)."""
        if isinstance(item, LayerItem):
            self._route_node(item.node_id)
        elif isinstance(item, GroupItem):
            for n in item.members:
                self._route_node(n)

    # ================================================================== gestures -> edits
    def drop_layer(self, type_name: str, scene_pos: QPointF) -> str | None:
        """Add a layer of Keras class ``type_name`` centred at ``scene_pos`` (a palette drop).

        Returns:
            The new layer's id (and selects it), or ``None`` if refused.
        """
        type_name = type_name.strip()
        if get_spec(type_name) is None:
            self._doc.edit_refused.emit(f"unknown layer type {type_name!r}")
            return None
        edit = AddLayer(type_name, position=(scene_pos.x(), scene_pos.y()))
        if not self._doc.execute(edit, f"Add {type_name}"):
            return None
        self.select_ids([edit.node_id])
        return edit.node_id

    def connect_layers(self, src: str, dst: str, index: int | None = None) -> bool:
        """Push ``Connect(src, dst, index)``; a refusal goes to ``edit_refused``."""
        graph = self._doc.graph
        text = f"Connect {graph.raw(src)['name']} → {graph.raw(dst)['name']}"
        return self._doc.execute(Connect(src, dst, index), text)

    def connect_from_port(self, port: PortItem, target: PortItem | NodeItem | None) -> bool:
        """Turn a drag from ``port`` released on ``target`` into a ``Connect`` edit.

        An output port connects to the input port it is dropped on (a ``+`` port or the
        node body: the first free input); an input port connects from the node it is
        dropped on. Released on empty space: nothing happens.
        """
        if target is None:
            return False
        start = port.node_item
        end = target.node_item if isinstance(target, PortItem) else target
        if port.kind is PortKind.OUTPUT:
            src_item, dst_item = start, end
            on_input = isinstance(target, PortItem) and target.kind is PortKind.INPUT
            dst_port = target if on_input else None
        else:
            src_item, dst_item = end, start
            dst_port = port
        index = None if dst_port is None or dst_port.plus else dst_port.index
        if isinstance(dst_item, GroupItem):
            self._doc.edit_refused.emit(
                f"expand the nested model {dst_item.group!r} to connect to one of its layers")
            return False
        src = self._source_id(src_item)
        if src is None:
            return False
        return self.connect_layers(src, dst_item.node_id, index)

    def _source_id(self, item: NodeItem) -> str | None:
        if isinstance(item, LayerItem):
            return item.node_id
        if isinstance(item, GroupItem):
            return group_output(self._doc.graph, item.members)
        return None

    def delete_selected(self) -> bool:
        """Delete the selected layers (and groups) and disconnect the selected edges, as one
        undo step."""
        ids = self.selected_ids()
        gone = set(ids)
        edits: list[Any] = [Disconnect(*k) for k in self.selected_edges()
                            if k[0] not in gone and k[1] not in gone]
        edits += [RemoveLayer(n) for n in ids]
        if not edits:
            return False
        if ids:
            text = f"Delete {len(ids)} layer{'s' if len(ids) > 1 else ''}"
        else:
            text = f"Disconnect {len(edits)} connection{'s' if len(edits) > 1 else ''}"
        return self._doc.execute_many(edits, text)

    def copy_selected(self) -> bool:
        """Put the selected layers and their inner connections on the clipboard
        (``gui.mime.LAYERS``, and the same JSON as text)."""
        ids = self.selected_ids()
        if not ids:
            return False
        text = copy_layers(self._doc.graph, ids)
        data = QMimeData()
        data.setData(mime.LAYERS, text.encode("utf-8"))
        data.setText(text)
        QGuiApplication.clipboard().setMimeData(data)
        _release_clipboard_at_exit()
        self._paste_count = 0
        return True

    def cut_selected(self) -> bool:
        return self.copy_selected() and self.delete_selected()

    def paste(self) -> list[str]:
        """Paste layers from the clipboard, offset from the originals, and select them.

        Returns:
            The new layer ids (empty if the clipboard holds no layers or was refused).
        """
        data = QGuiApplication.clipboard().mimeData()
        if data is None:
            return []
        if data.hasFormat(mime.LAYERS):
            text = bytes(data.data(mime.LAYERS).data()).decode("utf-8", errors="replace")
        elif data.hasText() and '"paramlab-layers"' in data.text():
            text = data.text()
        else:
            self._doc.edit_refused.emit("the clipboard holds no layers to paste")
            return []
        self._paste_count += 1
        return self._paste_text(text, PASTE_OFFSET * self._paste_count, "Paste")

    def duplicate_selected(self) -> list[str]:
        """Copy the selected layers (with their inner connections) next to themselves,
        without touching the clipboard."""
        ids = self.selected_ids()
        if not ids:
            return []
        return self._paste_text(copy_layers(self._doc.graph, ids), PASTE_OFFSET, "Duplicate")

    def _paste_text(self, text: str, offset: float, verb: str) -> list[str]:
        try:
            edits, new_ids = paste_edits(self._doc.graph, text, (offset, offset))
        except ClipboardError as exc:
            self._doc.edit_refused.emit(str(exc))
            return []
        if not edits:
            return []
        n = len(new_ids)
        if not self._doc.execute_many(edits, f"{verb} {n} layer{'s' if n > 1 else ''}"):
            return []
        self.select_ids(new_ids)
        return new_ids

    def auto_layout(self, text: str = "Auto layout") -> bool:
        """Place every layer by topological generations (``core.layout``; a collapsed
        nested model takes one slot), one undo step named ``text``."""
        graph = self._doc.graph
        moves = [Move(n, pos) for n, pos in auto_layout(graph).items()
                 if tuple(graph.raw(n)["position"]) != (float(pos[0]), float(pos[1]))]
        if not moves:
            return False
        return self._doc.execute_many(moves, text)

    def rename_layer(self, node_id: str, name: str) -> bool:
        """Rename layer ``node_id`` to ``name`` (stripped) as one undo step.

        Returns:
            True if renamed; False if the name is unchanged, or refused (empty, already
            used: the reason goes to the document's ``edit_refused``).
        """
        graph = self._doc.graph
        if node_id not in graph:
            return False
        old = graph.raw(node_id)["name"]
        if isinstance(name, str) and name.strip() == old:
            return False
        return self._doc.execute(Rename(node_id, name), f"Rename {old}")

    def request_rename(self, node_id: str) -> bool:
        """Ask the view to open a name editor on layer ``node_id`` (if it is shown)."""
        item = self._layers.get(node_id)
        if item is None or not item.isVisible():
            return False
        self.rename_requested.emit(node_id)
        return True

    def _commit_moves(self) -> None:
        """After a drag: one ``Move`` per moved layer, all in one undo step. Moves never
        trigger propagation (the document only recomputes after other edits)."""
        graph = self._doc.graph
        moves: list[Move] = []
        for item in self.selectedItems():
            if isinstance(item, LayerItem):
                old = graph.raw(item.node_id)["position"]
                new = (item.pos().x(), item.pos().y())
                if abs(new[0] - old[0]) > 1e-6 or abs(new[1] - old[1]) > 1e-6:
                    moves.append(Move(item.node_id, new))
            elif isinstance(item, GroupItem):
                delta = item.pos() - item.anchor
                if abs(delta.x()) > 1e-6 or abs(delta.y()) > 1e-6:
                    for n in item.members:
                        x, y = graph.raw(n)["position"]
                        moves.append(Move(n, (x + delta.x(), y + delta.y())))
        if moves:
            n = len(moves)
            self._doc.execute_many(moves, f"Move {n} layer{'s' if n > 1 else ''}")
            graph = self._doc.graph
            for group in {graph.raw(m.node_id).get("group") for m in moves} & set(self._frames):
                self._fit_frame(group)

    # ================================================================== Qt events
    def _port_at(self, scene_pos: QPointF, radius: float) -> PortItem | None:
        item = target_at(self, scene_pos)
        if isinstance(item, PortItem):
            return item
        return port_near(self, scene_pos, radius)

    @staticmethod
    def _grab_radius(event: QGraphicsSceneMouseEvent) -> float:
        """Port grab radius for the view the event came from (its viewport's parent)."""
        widget = event.widget()
        view = widget.parentWidget() if widget is not None else None
        scale = view.transform().m11() if isinstance(view, QGraphicsView) else 1.0
        return grab_radius(scale)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drag is None:
            radius = self._grab_radius(event)
            port = self._port_at(event.scenePos(), radius)
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
            target = drag.finish(event.scenePos())
            self.connect_from_port(drag.port, target)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._commit_moves()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        item = target_at(self, event.scenePos())
        if (isinstance(item, LayerItem)
                and title_hit_rect().contains(item.mapFromScene(event.scenePos()))):
            self.request_rename(item.node_id)
            event.accept()
            return
        if isinstance(item, GroupItem):
            self.set_group_collapsed(item.group, False)
            event.accept()
            return
        if item is None:
            frame = next((i for i in self.items(event.scenePos())
                          if isinstance(i, GroupFrameItem)
                          and i.label_rect().contains(event.scenePos())), None)
            if frame is not None:
                self.set_group_collapsed(frame.group, True)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self._drag is not None:
            self._drag.cancel()
            self._drag = None
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
        elif event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selected()
        elif event.matches(QKeySequence.StandardKey.Cut):
            self.cut_selected()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
        elif (event.key() == Qt.Key.Key_D
              and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.duplicate_selected()
        elif event.key() == Qt.Key.Key_F2 and len(self.selected_ids()) == 1:
            self.request_rename(self.selected_ids()[0])
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def context_menu(self, scene_pos: QPointF) -> QMenu:
        """The context menu for ``scene_pos`` (selecting what was clicked first)."""
        item = self.itemAt(scene_pos, QTransform())
        while item is not None and not isinstance(item, (NodeItem, EdgeItem)):
            item = item.parentItem()
        if item is not None and not item.isSelected():
            self.clearSelection()
            item.setSelected(True)
        menu = QMenu()
        if item is not None:
            _action(menu, "Delete", self.delete_selected)
        if isinstance(item, LayerItem):
            node_id = item.node_id
            _action(menu, "Rename…", lambda: self.request_rename(node_id))
        if isinstance(item, NodeItem):
            _action(menu, "Copy", self.copy_selected)
            _action(menu, "Duplicate", self.duplicate_selected)
        if isinstance(item, GroupItem):
            group = item.group
            _action(menu, f"Expand {group}", lambda: self.set_group_collapsed(group, False))
        elif isinstance(item, LayerItem):
            group = self._doc.graph.raw(item.node_id).get("group")
            if group is not None:
                _action(menu, f"Collapse {group}", lambda: self.set_group_collapsed(group, True))
        if item is None:
            _action(menu, "Paste", self.paste)
            _action(menu, "Auto layout", self.auto_layout)
        return menu

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:
        menu = self.context_menu(event.scenePos())
        menu.exec(event.screenPos())
        event.accept()


_exit_hook_registered = False


def _release_clipboard_at_exit() -> None:
    """At exit, replace our QMimeData on the clipboard by a plain-text copy of the same JSON.

    A QMimeData made in Python and left on the clipboard is destroyed by Qt after Python
    has shut down, which crashes the process (seen with PySide6 6.11 and 6.12 on the
    offscreen platform); a text set by Qt itself is not. The text still pastes:
    :meth:`CanvasScene.paste` accepts ParamLab layers as text.
    """
    global _exit_hook_registered
    if _exit_hook_registered:
        return
    _exit_hook_registered = True

    def release() -> None:
        if QGuiApplication.instance() is None:
            return
        clipboard = QGuiApplication.clipboard()
        data = clipboard.mimeData()
        if data is not None and data.hasFormat(mime.LAYERS):
            clipboard.setText(data.text())

    atexit.register(release)


def _action(menu: QMenu, text: str, slot: Any) -> QAction:
    action = menu.addAction(text)
    action.triggered.connect(lambda _checked=False: slot())
    return action


__all__ = ["CanvasScene"]
