"""What a mouse or key gesture on the canvas means, reported as the scene's signals.

Nothing here edits: each function works out the user's intent (which layers, which
ports, which nested model) and emits one of :class:`gui.canvas.scene.CanvasScene`'s
gesture signals; ``gui.editor.Editor`` turns it into a checked, undoable edit.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QTransform
from PySide6.QtWidgets import QMenu

from paramlab.core.group_outputs import group_tensors
from paramlab.gui.canvas.edge_item import EdgeItem
from paramlab.gui.canvas.group_item import GroupFrameItem
from paramlab.gui.canvas.interactions import target_at
from paramlab.gui.canvas.layer_item import GroupItem, LayerItem, NodeItem
from paramlab.gui.canvas.painting import title_hit_rect
from paramlab.gui.canvas.port_item import PortItem, PortKind

if TYPE_CHECKING:
    from paramlab.gui.canvas.scene import CanvasScene

Position = tuple[float, float]


def report_connect(scene: CanvasScene, port: PortItem, target: PortItem | NodeItem | None) -> None:
    """A drag from ``port`` released on ``target``: report the ``connect_requested`` it means.

    An output port connects to the input port it is dropped on (a ``+`` port or the
    node body: the first free input, reported as index -1); an input port connects from
    the node it is dropped on. Released on empty space: nothing.
    """
    if target is None:
        return
    start = port.node_item
    end = target.node_item if isinstance(target, PortItem) else target
    if port.kind is PortKind.OUTPUT:
        src_item, dst_item = start, end
        on_input = isinstance(target, PortItem) and target.kind is PortKind.INPUT
        dst_port = target if on_input else None
        output = port.index  # which tensor of a multi-output layer
    else:
        src_item, dst_item = end, start
        dst_port = port
        on_output = isinstance(target, PortItem) and target.kind is PortKind.OUTPUT
        output = target.index if on_output else 0
    index = -1 if dst_port is None or dst_port.plus else dst_port.index
    if isinstance(dst_item, GroupItem):
        scene.gesture_refused.emit(
            f"expand the nested model {dst_item.group!r} to connect to one of its layers")
        return
    if isinstance(src_item, GroupItem) and output < len(src_item.tensors):
        src, output = src_item.tensors[output]  # the tensor that port stands for
    elif isinstance(src_item, GroupItem):
        first = group_tensors(scene.document.graph, src_item.group, src_item.members)[:1]
        src, output = (first[0].member, first[0].output) if first else (None, 0)
    else:
        src = src_item.node_id if isinstance(src_item, LayerItem) else None
    if src is not None and isinstance(dst_item, LayerItem):
        scene.connect_requested.emit(src, dst_item.node_id, index, output)


def request_rename(scene: CanvasScene, node_id: str) -> bool:
    """Ask the view to open a name editor on layer ``node_id`` (if it is shown)."""
    item = scene.layer_item(node_id)
    if item is None or not item.isVisible():
        return False
    scene.rename_requested.emit(node_id)
    return True


def moved_positions(scene: CanvasScene) -> dict[str, Position]:
    """After a drag: where the selected layers now are (a dragged collapsed group moves
    every one of its layers by the same offset)."""
    graph = scene.document.graph
    out: dict[str, Position] = {}
    for item in scene.selectedItems():
        if isinstance(item, LayerItem):
            out[item.node_id] = (item.pos().x(), item.pos().y())
        elif isinstance(item, GroupItem):
            delta = item.pos() - item.anchor
            if abs(delta.x()) > 1e-6 or abs(delta.y()) > 1e-6:
                for n in item.members:
                    x, y = graph.raw(n)["position"]
                    out[n] = (x + delta.x(), y + delta.y())
    return out


def double_click(scene: CanvasScene, pos: QPointF) -> bool:
    """A double-click at ``pos``: rename (on a title), expand (a collapsed group) or
    collapse (an expanded group's label). True if it meant something."""
    item = target_at(scene, pos)
    if isinstance(item, LayerItem) and title_hit_rect().contains(item.mapFromScene(pos)):
        return request_rename(scene, item.node_id)
    if isinstance(item, GroupItem) and item.kind == "block":
        scene.blocks.set_collapsed(item.group, False)  # view state of the canvas itself
        return True
    if isinstance(item, GroupItem):
        scene.collapse_requested.emit(item.group, False)
        return True
    if item is None:
        for frame in scene.items(pos):
            if isinstance(frame, GroupFrameItem) and frame.label_rect().contains(pos):
                scene.collapse_requested.emit(frame.group, True)
                return True
    return False


def key_press(scene: CanvasScene, event: QKeyEvent) -> bool:
    """Delete/Backspace, Copy, Cut, Paste, Ctrl+D and F2 on the canvas. True if handled."""
    ids = scene.selected_ids()
    if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
        scene.delete_requested.emit(ids, scene.selected_edges())
    elif event.matches(QKeySequence.StandardKey.Copy):
        scene.copy_requested.emit(ids)
    elif event.matches(QKeySequence.StandardKey.Cut):
        scene.cut_requested.emit(ids)
    elif event.matches(QKeySequence.StandardKey.Paste):
        scene.paste_requested.emit()
    elif (event.key() == Qt.Key.Key_D
          and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
        scene.duplicate_requested.emit(ids)
    elif event.key() == Qt.Key.Key_F2 and len(ids) == 1:
        request_rename(scene, ids[0])
    else:
        return False
    return True


def context_menu(scene: CanvasScene, pos: QPointF) -> QMenu:
    """The context menu for scene point ``pos`` (what was clicked is selected first)."""
    item = scene.itemAt(pos, QTransform())
    while item is not None and not isinstance(item, (NodeItem, EdgeItem)):
        item = item.parentItem()
    if item is not None and not item.isSelected():
        scene.clearSelection()
        item.setSelected(True)
    ids = scene.selected_ids()
    menu = QMenu()
    if item is not None:
        _action(menu, "Delete",
                lambda: scene.delete_requested.emit(ids, scene.selected_edges()))
    if isinstance(item, LayerItem):
        node_id = item.node_id
        _action(menu, "Rename…", lambda: request_rename(scene, node_id))
    if isinstance(item, NodeItem):
        _action(menu, "Copy", lambda: scene.copy_requested.emit(ids))
        _action(menu, "Duplicate", lambda: scene.duplicate_requested.emit(ids))
        menu.addSeparator()
        _action(menu, "Freeze", lambda: scene.trainable_requested.emit(ids, False))
        _action(menu, "Unfreeze", lambda: scene.trainable_requested.emit(ids, True))
    if isinstance(item, LayerItem):
        node_id = item.node_id
        _action(menu, "Freeze Up to Here", lambda: scene.freeze_up_to_requested.emit(node_id))
    if isinstance(item, GroupItem) and item.kind == "block":
        block = item.group
        _action(menu, f"Expand {block}", lambda: scene.blocks.set_collapsed(block, False))
    elif isinstance(item, GroupItem):
        group = item.group
        _action(menu, f"Expand {group}", lambda: scene.collapse_requested.emit(group, False))
    elif isinstance(item, LayerItem):
        group = scene.document.graph.raw(item.node_id).get("group")
        if group is not None:
            _action(menu, f"Collapse {group}",
                    lambda: scene.collapse_requested.emit(group, True))
        for name, block in scene.blocks.blocks.items():
            if item.node_id in block.members:
                _action(menu, f"Collapse {name}", lambda n=name: scene.blocks.set_collapsed(n, True))
    if isinstance(item, LayerItem):
        _calls_action(menu, scene, item.node_id)
    if item is None:
        _action(menu, "Paste", scene.paste_requested.emit)
        _action(menu, "Auto Layout", scene.layout_requested.emit)
    for hook in scene.menu_hooks:  # e.g. gui.exercise_mode's entries
        hook(menu, scene.selected_ids())
    return menu


def _calls_action(menu: QMenu, scene: CanvasScene, node_id: str) -> None:
    """"Expand the N Calls of d" on a layer shown as one node, "Collapse Calls of d" on
    any call of an expanded one (view state: reported, the editor changes it)."""
    graph = scene.document.graph
    owner = graph.raw(node_id).get("shared_with") or node_id
    count = graph.call_count(owner)
    if count < 2:
        return
    name = graph.raw(owner)["name"]
    collapsed = graph.calls_collapsed(owner)
    text = f"Expand the {count:,} Calls of {name}" if collapsed else f"Collapse Calls of {name}"
    _action(menu, text, lambda: scene.calls_expand_requested.emit(owner, collapsed))


def _action(menu: QMenu, text: str, slot: Callable[[], object]) -> QAction:
    action = menu.addAction(text)
    action.triggered.connect(lambda _checked=False: slot())
    return action
