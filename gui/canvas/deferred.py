"""Work done once after a burst of model changes (an auto layout moves every layer, an
undo of a paste removes many): a zero-delay single-shot timer owned by the scene, so it
never fires on a scene Qt has already deleted."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from paramlab.gui.document import Document


def coalescing_timer(owner: QObject, slot: Callable[[], object]) -> QTimer:
    """A single-shot 0 ms timer child of ``owner`` that calls ``slot``; ``start()`` it on
    every change, ``slot`` runs once when the event loop is free again."""
    timer = QTimer(owner)
    timer.setSingleShot(True)
    timer.setInterval(0)
    timer.timeout.connect(slot)
    return timer


def structure_signals(document: Document) -> tuple:
    """The document's signals after which a layout must be computed again."""
    return (document.layer_added, document.layer_removed, document.edge_added,
            document.edge_removed, document.groups_changed, document.reset)
