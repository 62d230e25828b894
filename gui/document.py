"""``Document``: the open model (a ``LayerGraph``), its undo stack, its file, and the
propagation result, with Qt signals for the views.

The views never change the graph; they call :meth:`Document.execute` with a core edit,
which is checked first (a refused edit emits :attr:`edit_refused` and pushes nothing) and
then pushed as one undo command.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from paramlab.core import graph as G
from paramlab.core.edits import Edit, EditGroup
from paramlab.core.errors import GraphError
from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import PropagationResult, propagate
from paramlab.gui.commands import command_for


class Document(QObject):
    """The model being edited.

    Signals (past tense, emitted after the graph changed):
        layer_added(id), layer_removed(id), layer_changed(id), layer_moved(id),
        edge_added(src, dst, index), edge_removed(src, dst, index): mirror graph events.
        results_changed(): a new ``result`` is available (after an undo step completes).
        reset(): the whole graph was replaced (new, open, import).
        edit_refused(message): an edit was invalid; nothing was pushed.
        file_changed(): ``path`` or the modified state changed.
        groups_changed(name): nested model ``name`` was collapsed or expanded (view state
            in ``graph.groups``, no undo step); the summary shows it as one row or as
            its layers accordingly.
    """

    layer_added = Signal(str)
    layer_removed = Signal(str)
    layer_changed = Signal(str)
    layer_moved = Signal(str)
    edge_added = Signal(str, str, int)
    edge_removed = Signal(str, str, int)
    results_changed = Signal()
    reset = Signal()
    edit_refused = Signal(str)
    file_changed = Signal()
    groups_changed = Signal(str)
    calls_toggled = Signal(str)  # owner id: its shared calls collapsed or expanded (view state)

    def __init__(self, graph: LayerGraph | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.path: Path | None = None
        # Why edits are refused (student mode of an exercise), or None: every edit allowed.
        self.read_only: str | None = None
        self._graph = graph or LayerGraph()
        self._result: PropagationResult | None = None
        self._stale = True
        self._graph.subscribe(self._on_graph_event)
        self.undo_stack.indexChanged.connect(self._refresh)
        # A bound method, not a lambda: Qt drops the connection when the document is
        # destroyed, so the stack's last cleanChanged (emitted as it is deleted) goes nowhere.
        self.undo_stack.cleanChanged.connect(self._clean_changed)

    # ------------------------------------------------------------------ state
    @property
    def graph(self) -> LayerGraph:
        return self._graph

    @property
    def result(self) -> PropagationResult:
        """The propagation result of the current graph (recomputed incrementally on demand)."""
        if self._stale or self._result is None:
            self._result = propagate(self._graph, self._result)
            self._stale = False
        return self._result

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def replace_graph(self, graph: LayerGraph, path: Path | None = None) -> None:
        """Show another model (new, open, import): clears undo history, emits ``reset``."""
        self._graph.unsubscribe(self._on_graph_event)
        self._graph = graph
        self._graph.subscribe(self._on_graph_event)
        self._result = None
        self._stale = True
        self.path = path
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.reset.emit()
        self.results_changed.emit()
        self.file_changed.emit()

    def mark_saved(self, path: Path) -> None:
        self.path = path
        self.undo_stack.setClean()
        self.file_changed.emit()

    # ------------------------------------------------------------------ editing
    def execute(self, edit: Edit, text: str) -> bool:
        """Check ``edit``; if valid push it as one undo command (which applies it).

        Returns:
            True if pushed; False if refused (``edit_refused`` carries the reason).
        """
        if self.read_only:
            self.edit_refused.emit(self.read_only)
            return False
        try:
            edit.check(self._graph)
        except GraphError as exc:
            self.edit_refused.emit(str(exc))
            return False
        self.undo_stack.push(command_for(self._graph, edit, text))
        return True

    def execute_many(self, edits: list[Edit], text: str) -> bool:
        """Push several edits as one undo step (a macro), if all of them together are valid.

        Returns:
            True if pushed; False if refused (``edit_refused`` carries the reason).
        """
        if self.read_only:
            self.edit_refused.emit(self.read_only)
            return False
        try:
            EditGroup(list(edits)).check(self._graph)
        except GraphError as exc:
            self.edit_refused.emit(str(exc))
            return False
        self.undo_stack.beginMacro(text)
        for edit in edits:
            self.undo_stack.push(command_for(self._graph, edit, text))
        self.undo_stack.endMacro()
        return True

    # ------------------------------------------------------------------ internals
    def _on_graph_event(self, kind: str, payload: Any) -> None:
        if kind == G.GROUP_TOGGLED:  # view state: results stay valid
            self.groups_changed.emit(payload)
            return
        if kind == G.CALLS_TOGGLED:  # view state: results stay valid
            self.calls_toggled.emit(payload)
            return
        if kind != G.LAYER_MOVED:
            self._stale = True
        if kind == G.LAYER_ADDED:
            self.layer_added.emit(payload)
        elif kind == G.LAYER_REMOVED:
            self.layer_removed.emit(payload)
        elif kind == G.LAYER_CHANGED:
            self.layer_changed.emit(payload)
        elif kind == G.LAYER_MOVED:
            self.layer_moved.emit(payload)
        elif kind == G.EDGE_ADDED:
            self.edge_added.emit(*payload)
        elif kind == G.EDGE_REMOVED:
            self.edge_removed.emit(*payload)

    def _clean_changed(self, _clean: bool) -> None:
        self.file_changed.emit()

    def _refresh(self, _index: int = 0) -> None:
        if self._stale:
            self.results_changed.emit()
