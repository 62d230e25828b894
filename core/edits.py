"""Reversible edits of a :class:`core.graph.LayerGraph`.

Each edit is a small value with ``apply(graph)`` and ``revert(graph)``; ``gui/commands.py``
wraps one edit in one ``QUndoCommand``. ``apply`` raises ``GraphError`` before changing
anything when the edit is invalid, so a refused edit leaves the graph as it was.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Protocol

from paramlab.core.errors import GraphError
from paramlab.core.graph import LayerGraph, Position

_ABSENT = object()


class Edit(Protocol):
    """What every edit offers. ``check`` raises ``GraphError`` if ``apply`` would fail,
    without changing anything, so the GUI can refuse before pushing an undo command."""

    def check(self, graph: LayerGraph) -> None: ...
    def apply(self, graph: LayerGraph) -> None: ...
    def revert(self, graph: LayerGraph) -> None: ...


class _NodeEdit:
    """Edits of one existing layer: valid when the layer exists."""

    node_id: str

    def check(self, graph: LayerGraph) -> None:
        graph.raw(self.node_id)


@dataclass
class AddLayer:
    """Add one layer. ``node_id`` is fixed on first apply so that redo recreates the same id."""

    type: str
    name: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    trainable: bool = True
    position: Position = (0.0, 0.0)
    node_id: str | None = None
    shared_with: str | None = None
    group: str | None = None

    def check(self, graph: LayerGraph) -> None:
        if self.node_id is not None and self.node_id in graph:
            raise GraphError(f"a layer with id {self.node_id!r} already exists")
        if self.name is not None and graph.id_of(self.name) is not None:
            raise GraphError(f"a layer named {self.name!r} already exists; names must be unique")

    def apply(self, graph: LayerGraph) -> None:
        self.node_id = graph.add_layer(self.type, self.name, copy.deepcopy(self.config),
                                       self.trainable, self.position, self.node_id,
                                       self.shared_with, self.group)
        self.name = graph.layer(self.node_id).name

    def revert(self, graph: LayerGraph) -> None:
        assert self.node_id is not None
        graph.remove_layer(self.node_id)


@dataclass
class RemoveLayer(_NodeEdit):
    """Remove one layer; remembers it and its connections so revert restores both."""

    node_id: str
    _saved: Any = None
    _edges: list[tuple[str, str, int, int]] = field(default_factory=list)
    _sequence: int | None = None

    def apply(self, graph: LayerGraph) -> None:
        layer = graph.layer(self.node_id)
        self._saved = layer
        self._sequence = graph.sequence_number(self.node_id)
        n = self.node_id
        self._edges = ([(s, n, i, graph.output_index(s, n, i)) for s, i in graph.inputs(n)]
                       + [(n, d, i, graph.output_index(n, d, i)) for d, i in graph.outputs(n)])
        graph.remove_layer(self.node_id)

    def revert(self, graph: LayerGraph) -> None:
        s = self._saved
        # Back in its old place among equals, so the summary's order is as before.
        graph.add_layer(s.type, s.name, s.config, s.trainable, s.position, s.id,
                        s.shared_with, s.group, sequence=self._sequence)
        for src, dst, idx, out in self._edges:
            graph.connect(src, dst, idx, out)


@dataclass
class Connect:
    """Connect output ``output`` of ``src`` (0: its first tensor) to input ``index`` of
    ``dst`` (``None``: first free input)."""

    src: str
    dst: str
    index: int | None = None
    output: int = 0

    def check(self, graph: LayerGraph) -> None:
        graph.check_connect(self.src, self.dst, self.index)

    def apply(self, graph: LayerGraph) -> None:
        self.index = graph.connect(self.src, self.dst, self.index, self.output)

    def revert(self, graph: LayerGraph) -> None:
        assert self.index is not None
        graph.disconnect(self.src, self.dst, self.index)


@dataclass
class Disconnect:
    """Remove the connection ``src -> dst`` at input ``index`` (revert restores the output
    tensor it came from)."""

    src: str
    dst: str
    index: int
    _output: int = 0

    def check(self, graph: LayerGraph) -> None:
        if not graph.nx_graph.has_edge(self.src, self.dst, self.index):
            raise GraphError(f"there is no connection {self.src} -> {self.dst} at input {self.index}")

    def apply(self, graph: LayerGraph) -> None:
        self.check(graph)
        self._output = graph.output_index(self.src, self.dst, self.index)
        graph.disconnect(self.src, self.dst, self.index)

    def revert(self, graph: LayerGraph) -> None:
        graph.connect(self.src, self.dst, self.index, self._output)


@dataclass
class SetConfig(_NodeEdit):
    """Set one config argument; revert restores the old value or its absence."""

    node_id: str
    key: str
    value: Any
    _old: Any = _ABSENT

    def apply(self, graph: LayerGraph) -> None:
        old = graph.raw(self.node_id)["config"].get(self.key, _ABSENT)
        # deepcopy would copy the sentinel too, and revert would then store it as a value.
        self._old = old if old is _ABSENT else copy.deepcopy(old)
        graph.set_config(self.node_id, self.key, self.value)

    def revert(self, graph: LayerGraph) -> None:
        if self._old is _ABSENT:
            graph.unset_config(self.node_id, self.key)
        else:
            graph.set_config(self.node_id, self.key, self._old)


@dataclass
class SetTrainable(_NodeEdit):
    node_id: str
    trainable: bool
    _old: bool = True

    def apply(self, graph: LayerGraph) -> None:
        self._old = graph.raw(self.node_id)["trainable"]
        graph.set_trainable(self.node_id, self.trainable)

    def revert(self, graph: LayerGraph) -> None:
        graph.set_trainable(self.node_id, self._old)


@dataclass
class SetGroupTrainable:
    """Freeze or unfreeze a nested model as a whole (its ``trainable`` flag)."""

    group: str
    trainable: bool
    _old: bool = True

    def check(self, graph: LayerGraph) -> None:
        if self.group not in graph.groups:
            raise GraphError(f"no nested model named {self.group!r}")

    def apply(self, graph: LayerGraph) -> None:
        self.check(graph)
        self._old = not graph.is_group_frozen(self.group)
        graph.set_group_trainable(self.group, self.trainable)

    def revert(self, graph: LayerGraph) -> None:
        graph.set_group_trainable(self.group, self._old)


@dataclass
class Rename:
    node_id: str
    name: str
    _old: str = ""

    def check(self, graph: LayerGraph) -> None:
        graph.check_rename(self.node_id, self.name)

    def apply(self, graph: LayerGraph) -> None:
        self._old = graph.raw(self.node_id)["name"]
        graph.rename(self.node_id, self.name)

    def revert(self, graph: LayerGraph) -> None:
        graph.rename(self.node_id, self._old)


@dataclass
class Move(_NodeEdit):
    node_id: str
    position: Position
    _old: Position = (0.0, 0.0)

    def apply(self, graph: LayerGraph) -> None:
        self._old = graph.raw(self.node_id)["position"]
        graph.move(self.node_id, self.position)

    def revert(self, graph: LayerGraph) -> None:
        graph.move(self.node_id, self._old)


@dataclass
class EditGroup:
    """Several edits applied in order and reverted in reverse; if one fails on apply, the
    ones already applied are reverted and the error is re-raised."""

    edits: list[Any]

    def check(self, graph: LayerGraph) -> None:
        # Later edits may depend on earlier ones (connect a layer added first), so only
        # a real apply can tell; undo it at once.
        self.apply(graph)
        self.revert(graph)

    def apply(self, graph: LayerGraph) -> None:
        done: list[Any] = []
        try:
            for e in self.edits:
                e.apply(graph)
                done.append(e)
        except Exception:
            for e in reversed(done):
                e.revert(graph)
            raise

    def revert(self, graph: LayerGraph) -> None:
        for e in reversed(self.edits):
            e.revert(graph)
