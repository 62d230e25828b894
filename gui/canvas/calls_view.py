"""How a layer called more than once (graph nodes with ``shared_with``) is shown on the canvas.

While ``LayerGraph.calls_collapsed(owner)`` (the default), the owner's item stands for
every call and reads "applied N×"; its shared calls get NO scene item, and connections
between calls of the same layer get none either (so a layer called 100,000 times costs one
item, not 100,000). Connections from or to other layers end on the owner's item. Expanding
is view state changed only by the editor (``Editor.set_calls_expanded``); this class
follows it. Calls inside nested models are always shown one by one (their group item
already folds them).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from paramlab.core.propagate import LayerResult
from paramlab.gui.canvas.painting import NodeLook, layer_look

if TYPE_CHECKING:
    from paramlab.gui.canvas.edge_item import EdgeKey
    from paramlab.gui.canvas.scene import CanvasScene


class SharedCalls:
    """Which layers of one scene are folded into their owner's item."""

    def __init__(self, scene: CanvasScene) -> None:
        self._scene = scene
        self._owner: dict[str, str] = {}  # hidden call id -> owner id
        self._owners: set[str] = set()  # owners with folded calls
        scene.document.calls_toggled.connect(self._toggled)

    def clear(self) -> None:
        """Recompute every folded call from the graph (before a scene rebuild)."""
        graph = self._scene.document.graph
        self._owner = {n: owner for owner in graph.call_owners()
                       if self._foldable(owner) for n in graph.shared_calls(owner)
                       if graph.raw(n).get("group") is None}
        self._owners = set(self._owner.values())

    def _foldable(self, owner: str) -> bool:
        graph = self._scene.document.graph
        return graph.calls_collapsed(owner) and graph.raw(owner).get("group") is None

    def hidden(self, node_id: str) -> bool:
        """True when ``node_id`` is a shared call drawn as its owner's item."""
        return node_id in self._owner

    def shown_as(self, node_id: str) -> str:
        """The layer whose item stands for ``node_id``: its owner when folded, else itself."""
        return self._owner.get(node_id, node_id)

    def inner(self, key: EdgeKey) -> bool:
        """True for a connection between two calls of the same folded layer (no item)."""
        return key[0] != key[1] and self.shown_as(key[0]) == self.shown_as(key[1])

    def drawn_layers(self, ids: Iterable[str]) -> list[str]:
        """The layers of ``ids`` that get an item of their own."""
        return [n for n in ids if n not in self._owner]

    def drawn_edges(self, keys: Iterable[EdgeKey]) -> list[EdgeKey]:
        """The connections of ``keys`` that get an item of their own."""
        return [k for k in keys if not self.inner(k)]

    def look(self, node_id: str, result: LayerResult | None) -> NodeLook:
        """``layer_look`` plus "applied N×" on the item of a folded owner."""
        graph = self._scene.document.graph
        look = layer_look(graph, node_id, result)
        if self._foldable(node_id):
            look = replace(look, type_text=f"{look.type_text} · applied "
                                            f"{graph.call_count(node_id):,}×")
        return look

    def added(self, node_id: str) -> bool:
        """A layer was added: fold it if it is a call of a folded owner (True: no item)."""
        graph = self._scene.document.graph
        owner = graph.raw(node_id).get("shared_with")
        if owner is None or graph.raw(node_id).get("group") is not None:
            return False
        if not self._foldable(owner):
            return False
        self._owner[node_id] = owner
        self._owners.add(owner)
        self._scene.refresh_look(owner)
        return True

    def removed(self, node_id: str) -> None:
        """A layer was removed: update its owner's count, or unfold an owner's calls."""
        owner = self._owner.pop(node_id, None)
        if owner is not None:
            self._scene.refresh_look(owner)
        if node_id in self._owners:
            self._toggled(node_id)

    def _toggled(self, _owner: str) -> None:
        scene = self._scene
        scene.rebuild()
        scene.refresh_results()


__all__ = ["SharedCalls"]
