"""Undo commands: one ``QUndoCommand`` wraps one core edit (``core/edits.py``).

The command never touches a view; the views follow the graph's change events through
``gui.document.Document``. Gestures that make several edits use ``QUndoStack.beginMacro``.
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from paramlab.core.edits import Edit, SetConfig
from paramlab.core.graph import LayerGraph

_SET_CONFIG_ID = 1001


class EditCommand(QUndoCommand):
    """Apply ``edit`` on redo, revert it on undo."""

    def __init__(self, graph: LayerGraph, edit: Edit, text: str) -> None:
        super().__init__(text)
        self.graph = graph
        self.edit = edit

    def redo(self) -> None:
        self.edit.apply(self.graph)

    def undo(self) -> None:
        self.edit.revert(self.graph)


class SetConfigCommand(EditCommand):
    """A config change; consecutive changes of the same field of the same layer merge into
    one undo step (a spin box's arrow held down is one edit)."""

    def id(self) -> int:
        return _SET_CONFIG_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetConfigCommand):
            return False
        mine, theirs = self.edit, other.edit
        assert isinstance(mine, SetConfig) and isinstance(theirs, SetConfig)
        if (mine.node_id, mine.key) != (theirs.node_id, theirs.key):
            return False
        mine.value = theirs.value  # keep our _old: undo returns to before the first change
        return True


def command_for(graph: LayerGraph, edit: Edit, text: str) -> EditCommand:
    """The command class that suits ``edit``."""
    cls = SetConfigCommand if isinstance(edit, SetConfig) else EditCommand
    return cls(graph, edit, text)
