"""``Editor``: the one place where a user's intent becomes a checked core edit.

Every gesture on the canvas (drop, connect, move, rename, delete, paste …), every menu
action and every shortcut ends here. Each method validates with the core first (the
field's ``FieldSpec``, the graph's own checks) and then hands one edit, or one macro of
edits, to :meth:`gui.document.Document.execute`. An invalid intent pushes nothing and
emits the document's ``edit_refused`` with a message a person can act on.

View state is not an edit: collapsing or expanding a nested model
(:meth:`set_group_collapsed`) changes how the model is shown, never goes on the undo
stack and never marks the file modified.

The canvas reports gestures through its signals; :meth:`attach_canvas` wires them here.
"""
from __future__ import annotations

import atexit
import logging
from typing import TYPE_CHECKING, Any

import networkx as nx
from PySide6.QtCore import QMimeData, QPointF
from PySide6.QtGui import QGuiApplication

from paramlab.core.catalogue import get_spec
from paramlab.core.clipboard import ClipboardError, copy_layers, fresh_id, paste_edits
from paramlab.core.edits import (
    AddLayer,
    Connect,
    Disconnect,
    Edit,
    Move,
    RemoveLayer,
    Rename,
    SetConfig,
    SetGroupTrainable,
    SetTrainable,
)
from paramlab.core.errors import GraphError, LayerError
from paramlab.core.graph import Position
from paramlab.core.layout import apply_layout, auto_layout
from paramlab.core.opaque import opaque_field
from paramlab.core.placement import free_position, insertion_after
from paramlab.gui import mime
from paramlab.gui.document import Document

if TYPE_CHECKING:
    from paramlab.gui.canvas.view import CanvasView

log = logging.getLogger(__name__)

_ABSENT = object()
PASTE_OFFSET = 40.0  # scene units between a pasted copy and its original

EdgeKey = tuple[str, str, int]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


class Editor:
    """The one controller of ``document``: GUI intents in, undoable edits out."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._paste_count = 0

    # ------------------------------------------------------------------ helpers
    def _refuse(self, message: str) -> bool:
        log.debug("edit refused: %s", message)
        self.document.edit_refused.emit(message)
        return False

    def refuse(self, message: str) -> None:
        """Report a gesture that makes no edit (e.g. a connection dropped on a collapsed
        nested model) the way every refusal is reported."""
        self._refuse(message)

    def _name(self, node_id: str) -> str:
        return self.document.graph.raw(node_id)["name"]

    def _known(self, node_id: str) -> bool:
        if node_id in self.document.graph:
            return True
        return self._refuse(f"no layer with id {node_id!r}")

    # ------------------------------------------------------------------ layers
    def add_layer(self, layer_type: str, position: Position = (0.0, 0.0)) -> str | None:
        """Add a layer of Keras class ``layer_type`` at ``position`` (scene units, the
        node's centre) with the catalogue's defaults (a palette drop).

        Returns:
            The new layer's id, or ``None`` if ``layer_type`` is not in the catalogue.
        """
        layer_type = layer_type.strip() if isinstance(layer_type, str) else ""
        spec = get_spec(layer_type)
        if spec is None:
            self._refuse(f"unknown layer type {layer_type!r}")
            return None
        edit = AddLayer(layer_type, config=spec.default_config(),
                        position=(float(position[0]), float(position[1])))
        if not self.document.execute(edit, f"Add {layer_type}"):
            return None
        return edit.node_id

    def insert_layer(self, layer_type: str, after: str | None,
                     viewport_centre: Position = (0.0, 0.0)) -> str | None:
        """Add a layer of ``layer_type`` as a palette double-click does.

        With ``after`` (the one selected layer): the new layer goes below it and is
        connected from it, as one undo step, if its shapes allow (propagation reports no
        error on the new layer); otherwise it is added unconnected. Without ``after``, or
        when it cannot connect, it goes in free space near ``viewport_centre``, never on
        top of a node (``core.placement``).

        Returns:
            The new layer's id, or ``None`` if refused.
        """
        spec = get_spec(layer_type.strip() if isinstance(layer_type, str) else "")
        if spec is None:
            self._refuse(f"unknown layer type {layer_type!r}")
            return None
        graph = self.document.graph
        config = spec.default_config()
        if after is not None and after in graph:
            plan = insertion_after(graph, self.document.result, after, spec, config)
            if plan is not None:
                edit = AddLayer(spec.type, config=config, position=plan,
                                node_id=fresh_id(graph))
                ok = self.document.execute_many(
                    [edit, Connect(after, edit.node_id, 0)],
                    f"Add {spec.type} after {self._name(after)}")
                if ok:
                    return edit.node_id
        return self.add_layer(spec.type, free_position(graph, viewport_centre))

    def set_field(self, node_id: str, field_name: str, value: Any) -> bool:
        """Set config argument ``field_name`` of a layer to ``value``.

        The value is validated by the catalogue's ``FieldSpec`` (range, type, choices) and
        normalised (lists become tuples). Consecutive changes of one field merge into one
        undo step (``SetConfigCommand.mergeWith``).

        Returns:
            True if an edit was pushed; False if refused (message via ``edit_refused``) or
            if the value is unchanged.
        """
        graph = self.document.graph
        if not self._known(node_id):
            return False
        raw = graph.raw(node_id)
        spec = get_spec(raw["type"])
        field = spec.field(field_name) if spec is not None else opaque_field(field_name)
        if field is None:
            return self._refuse(f"{raw['type']} has no argument {field_name!r}")
        try:
            value = field.validate(value)
        except LayerError as exc:
            return self._refuse(f"{raw['name']}: {exc}")
        current = raw["config"].get(field_name, _ABSENT)
        if current is _ABSENT:
            current = field.default
        try:
            current = field.validate(current)
        except LayerError:
            pass  # an imported invalid value: any valid new value is a change
        if current == value:
            return False
        return self.document.execute(SetConfig(node_id, field_name, value),
                                     f"Set {raw['name']}.{field_name}")

    def rename(self, node_id: str, name: str) -> bool:
        """Rename a layer (names are unique and not empty; checked by the graph).

        Returns:
            True if renamed; False if unchanged or refused (reason via ``edit_refused``).
        """
        if not self._known(node_id):
            return False
        old = self._name(node_id)
        if isinstance(name, str) and name.strip() == old:
            return False
        return self.document.execute(Rename(node_id, name), f"Rename {old}")

    # ------------------------------------------------------------------ trainability
    def set_trainable(self, node_id: str, trainable: bool) -> bool:
        """Freeze (``False``) or unfreeze (``True``) one layer's weights."""
        return self.set_trainable_many([node_id], trainable)

    def set_trainable_many(self, ids: list[str], trainable: bool) -> bool:
        """Freeze or unfreeze several layers as one undo step (unchanged ones skipped)."""
        graph = self.document.graph
        ids = [n for n in ids if n in graph]
        todo = [n for n in ids if graph.raw(n)["trainable"] != bool(trainable)]
        verb = "Unfreeze" if trainable else "Freeze"
        if not todo:
            if ids:
                state = "trainable" if trainable else "frozen"
                return self._refuse(f"{self._name(ids[0]) if len(ids) == 1 else 'they'} "
                                    f"{'is' if len(ids) == 1 else 'are'} already {state}")
            return False
        what = self._name(todo[0]) if len(todo) == 1 else _plural(len(todo), "layer")
        return self.document.execute_many([SetTrainable(n, bool(trainable)) for n in todo],
                                          f"{verb} {what}")

    def freeze_up_to(self, node_id: str) -> bool:
        """Set ``trainable=False`` on a layer and every layer upstream of it, as one undo
        step (transfer learning: freeze the feature extractor, train the head)."""
        graph = self.document.graph
        if not self._known(node_id):
            return False
        ids = nx.ancestors(graph.nx_graph, node_id) | {node_id}
        order = [n for n in graph.topological_order() if n in ids and graph.raw(n)["trainable"]]
        if not order:
            return self._refuse(f"{self._name(node_id)} and the layers above it are already frozen")
        return self.document.execute_many([SetTrainable(n, False) for n in order],
                                          f"Freeze up to {self._name(node_id)}")

    def unfreeze_all(self) -> bool:
        """Set ``trainable=True`` on every frozen layer and frozen nested model, as one
        undo step."""
        graph = self.document.graph
        frozen = [n for n in graph.topological_order() if not graph.raw(n)["trainable"]]
        groups = [g for g in graph.groups if graph.is_group_frozen(g)]
        if not frozen and not groups:
            return self._refuse("no layer is frozen")
        edits: list[Edit] = [SetGroupTrainable(g, True) for g in groups]
        edits += [SetTrainable(n, True) for n in frozen]
        return self.document.execute_many(edits, "Unfreeze all")

    # ------------------------------------------------------------------ connections
    def connect(self, src: str, dst: str, index: int | None = None, output: int = 0) -> bool:
        """Connect output tensor ``output`` of ``src`` (0: the first) to input ``index`` of
        ``dst`` (``None``: the first free input). A cycle, a taken port or too many inputs
        is refused."""
        if not (self._known(src) and self._known(dst)):
            return False
        which = f" (output {output + 1})" if output else ""
        text = f"Connect {self._name(src)}{which} → {self._name(dst)}"
        return self.document.execute(Connect(src, dst, index, output), text)

    def delete(self, ids: list[str], edges: list[EdgeKey] = ()) -> bool:
        """Delete layers ``ids`` (with their connections) and disconnect ``edges``, as one
        undo step."""
        graph = self.document.graph
        ids = [n for n in ids if n in graph]
        gone = set(ids)
        edits: list[Edit] = [Disconnect(*k) for k in edges
                             if k[0] not in gone and k[1] not in gone]
        edits += [RemoveLayer(n) for n in ids]
        if not edits:
            return False
        text = (f"Delete {_plural(len(ids), 'layer')}" if ids
                else f"Disconnect {_plural(len(edits), 'connection')}")
        return self.document.execute_many(edits, text)

    # ------------------------------------------------------------------ positions
    def move(self, positions: dict[str, Position]) -> bool:
        """Move layers to ``positions`` (scene units) as one undo step (a drag's release).
        Layers already there are skipped. Moves never trigger propagation."""
        graph = self.document.graph
        moves = []
        for n, (x, y) in positions.items():
            if n not in graph:
                continue
            ox, oy = graph.raw(n)["position"]
            if abs(x - ox) > 1e-6 or abs(y - oy) > 1e-6:
                moves.append(Move(n, (float(x), float(y))))
        if not moves:
            return False
        return self.document.execute_many(moves, f"Move {_plural(len(moves), 'layer')}")

    def is_auto_laid_out(self) -> bool:
        """True when every layer is (within half a unit) where ``core.layout`` puts it."""
        graph = self.document.graph
        for n, (x, y) in auto_layout(graph).items():
            px, py = graph.raw(n)["position"]
            if abs(px - x) > 0.5 or abs(py - y) > 0.5:
                return False
        return True

    def apply_layout(self, text: str = "Auto layout") -> bool:
        """Move every layer to its auto-layout position (``core.layout``), as one undo
        step named ``text``. Returns False when every layer is already there."""
        graph = self.document.graph
        moves = [Move(n, pos) for n, pos in auto_layout(graph).items()
                 if tuple(graph.raw(n)["position"]) != (float(pos[0]), float(pos[1]))]
        if not moves:
            return False
        return self.document.execute_many(moves, text)

    # ------------------------------------------------------------------ view state
    def set_group_collapsed(self, group: str, collapsed: bool) -> bool:
        """Show nested model ``group`` as one node (``collapsed``) or as its layers.

        View state: no undo step, the file is not marked modified. When every layer sat
        where auto layout put it, the positions are the layout's, derived from the model
        like those of a file opened without positions; they are derived again for the new
        state (``core.layout.apply_layout``, not an edit: nothing to undo, the file stays
        unmodified), so an expanded model does not cover its neighbours and a collapsed one
        leaves no gap. A hand-arranged canvas is left alone.

        Returns:
            True if the state changed.
        """
        graph = self.document.graph
        if graph.is_group_collapsed(group) == bool(collapsed):
            return False
        was_auto = self.is_auto_laid_out()
        graph.set_group_collapsed(group, collapsed)
        if was_auto:
            apply_layout(graph)
        return True

    def set_calls_expanded(self, owner: str, expanded: bool) -> bool:
        """Show the shared calls of layer ``owner`` one by one (``expanded``) or as ONE
        node reading "applied N×" (``LayerGraph.set_calls_expanded``). View state, like
        :meth:`set_group_collapsed`: no undo step, not modified; an auto-laid-out canvas
        is laid out again for the new state. Returns True if the state changed."""
        graph = self.document.graph
        was_auto = self.is_auto_laid_out()
        if not graph.set_calls_expanded(owner, expanded):
            return False
        if was_auto:
            apply_layout(graph)
        return True

    # ------------------------------------------------------------------ clipboard
    def copy(self, ids: list[str]) -> bool:
        """Put layers ``ids`` and their inner connections on the clipboard
        (``gui.mime.LAYERS``, and the same JSON as text). Not an edit."""
        graph = self.document.graph
        ids = [n for n in ids if n in graph]
        if not ids:
            return False
        text = copy_layers(graph, ids)
        data = QMimeData()
        data.setData(mime.LAYERS, text.encode("utf-8"))
        data.setText(text)
        QGuiApplication.clipboard().setMimeData(data)
        _release_clipboard_at_exit()
        self._paste_count = 0
        return True

    def cut(self, ids: list[str]) -> bool:
        """Copy, then delete, layers ``ids``."""
        return self.copy(ids) and self.delete(ids)

    def paste(self) -> list[str]:
        """Paste layers from the clipboard, offset from the originals (further on each
        paste), as one undo step.

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
            self._refuse("the clipboard holds no layers to paste")
            return []
        self._paste_count += 1
        return self._paste_text(text, PASTE_OFFSET * self._paste_count, "Paste")

    def duplicate(self, ids: list[str]) -> list[str]:
        """Copy layers ``ids`` (with their inner connections) next to themselves, without
        touching the clipboard. Returns the new ids."""
        graph = self.document.graph
        ids = [n for n in ids if n in graph]
        if not ids:
            return []
        return self._paste_text(copy_layers(graph, ids), PASTE_OFFSET, "Duplicate")

    def _paste_text(self, text: str, offset: float, verb: str) -> list[str]:
        try:
            edits, new_ids = paste_edits(self.document.graph, text, (offset, offset))
        except (ClipboardError, GraphError) as exc:
            self._refuse(str(exc))
            return []
        if not edits:
            return []
        if not self.document.execute_many(edits, f"{verb} {_plural(len(new_ids), 'layer')}"):
            return []
        return new_ids

    # ------------------------------------------------------------------ the canvas
    def attach_canvas(self, view: CanvasView) -> None:
        """Turn the gestures reported by ``view`` and its scene into edits here."""
        scene = view.canvas_scene()

        def dropped(layer_type: str, pos: QPointF) -> None:
            node_id = self.add_layer(layer_type, (pos.x(), pos.y()))
            if node_id is not None:
                scene.select_ids([node_id])
                view.show_ids([node_id])

        def pasted(ids: list[str]) -> None:
            if ids:
                scene.select_ids(ids)

        scene.layer_dropped.connect(dropped)
        scene.connect_requested.connect(
            lambda s, d, i, o: self.connect(s, d, None if i < 0 else i, o))
        scene.move_finished.connect(self.move)
        scene.delete_requested.connect(self.delete)
        scene.copy_requested.connect(self.copy)
        scene.cut_requested.connect(self.cut)
        scene.paste_requested.connect(lambda: pasted(self.paste()))
        scene.duplicate_requested.connect(lambda ids: pasted(self.duplicate(ids)))
        scene.collapse_requested.connect(self.set_group_collapsed)
        scene.calls_expand_requested.connect(self.set_calls_expanded)
        scene.layout_requested.connect(self.apply_layout)
        scene.trainable_requested.connect(self.set_trainable_many)
        scene.freeze_up_to_requested.connect(self.freeze_up_to)
        scene.gesture_refused.connect(self.refuse)
        view.rename_committed.connect(self.rename)


_exit_hook_registered = False


def _release_clipboard_at_exit() -> None:
    """At exit, replace our QMimeData on the clipboard by a plain-text copy of the same JSON.

    A QMimeData made in Python and left on the clipboard is destroyed by Qt after Python
    has shut down, which crashes the process (seen with PySide6 6.11 and 6.12 on the
    offscreen platform); a text set by Qt itself is not. The text still pastes:
    :meth:`Editor.paste` accepts ParamLab layers as text.
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
