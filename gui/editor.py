"""``Editor``: turns a user's intent (node id, new value) into a checked core edit.

Panels and menus call these methods; each validates with the core first (the field's
``FieldSpec``, the graph's own checks) and then hands one edit, or one macro of edits, to
:meth:`gui.document.Document.execute`. An invalid intent pushes nothing and emits the
document's ``edit_refused`` with a message a person can act on.
"""
from __future__ import annotations

import logging
from typing import Any

import networkx as nx

from paramlab.core.catalogue import get_spec
from paramlab.core.edits import AddLayer, Move, Rename, SetConfig, SetTrainable
from paramlab.core.errors import LayerError
from paramlab.core.graph import Position
from paramlab.core.layout import auto_layout
from paramlab.gui.document import Document

log = logging.getLogger(__name__)

_ABSENT = object()


class Editor:
    """The one place where GUI intents become undoable edits of ``document``."""

    def __init__(self, document: Document) -> None:
        self.document = document

    # ------------------------------------------------------------------ helpers
    def _refuse(self, message: str) -> bool:
        log.debug("edit refused: %s", message)
        self.document.edit_refused.emit(message)
        return False

    def _name(self, node_id: str) -> str:
        return self.document.graph.raw(node_id)["name"]

    # ------------------------------------------------------------------ layers
    def add_layer(self, layer_type: str, position: Position = (0.0, 0.0)) -> str | None:
        """Add a layer of Keras class ``layer_type`` with the catalogue's defaults.

        Returns:
            The new layer's id, or ``None`` if ``layer_type`` is not in the catalogue.
        """
        spec = get_spec(layer_type)
        if spec is None:
            self._refuse(f"unknown layer type {layer_type!r}")
            return None
        edit = AddLayer(layer_type, config=spec.default_config(), position=position)
        if not self.document.execute(edit, f"Add {layer_type}"):
            return None
        return edit.node_id

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
        if node_id not in graph:
            return self._refuse(f"no layer with id {node_id!r}")
        raw = graph.raw(node_id)
        spec = get_spec(raw["type"])
        field = spec.field(field_name) if spec is not None else None
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
        """Rename a layer (names are unique and not empty; checked by the graph)."""
        if node_id not in self.document.graph:
            return self._refuse(f"no layer with id {node_id!r}")
        old = self._name(node_id)
        if isinstance(name, str) and name.strip() == old:
            return False
        return self.document.execute(Rename(node_id, name), f"Rename {old}")

    def set_trainable(self, node_id: str, trainable: bool) -> bool:
        """Freeze (``False``) or unfreeze (``True``) one layer's weights."""
        graph = self.document.graph
        if node_id not in graph:
            return self._refuse(f"no layer with id {node_id!r}")
        if graph.raw(node_id)["trainable"] == bool(trainable):
            return False
        verb = "Unfreeze" if trainable else "Freeze"
        return self.document.execute(SetTrainable(node_id, bool(trainable)),
                                     f"{verb} {self._name(node_id)}")

    def freeze_up_to(self, node_id: str) -> bool:
        """Set ``trainable=False`` on a layer and every layer upstream of it, as one undo
        step (transfer learning: freeze the feature extractor, train the head)."""
        graph = self.document.graph
        if node_id not in graph:
            return self._refuse(f"no layer with id {node_id!r}")
        ids = nx.ancestors(graph.nx_graph, node_id) | {node_id}
        order = [n for n in graph.topological_order() if n in ids and graph.raw(n)["trainable"]]
        if not order:
            return self._refuse(f"{self._name(node_id)} and the layers above it are already frozen")
        return self.document.execute_many([SetTrainable(n, False) for n in order],
                                          f"Freeze up to {self._name(node_id)}")

    def unfreeze_all(self) -> bool:
        """Set ``trainable=True`` on every frozen layer, as one undo step."""
        graph = self.document.graph
        frozen = [n for n in graph.topological_order() if not graph.raw(n)["trainable"]]
        if not frozen:
            return self._refuse("no layer is frozen")
        return self.document.execute_many([SetTrainable(n, True) for n in frozen],
                                          "Unfreeze all")

    def apply_layout(self) -> bool:
        """Move every layer to its auto-layout position, as one undo step."""
        graph = self.document.graph
        moves = [Move(n, pos) for n, pos in auto_layout(graph).items()
                 if graph.raw(n)["position"] != pos]
        if not moves:
            return False
        return self.document.execute_many(moves, "Auto layout")
