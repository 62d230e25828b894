"""View ▸ Group Blocks: repeated blocks (``core.blocks``) folded into one node each.

A reading mode, not an edit: the model's positions are left alone. While it is on, the
scene shows every layer at the position of a layered layout in which each *collapsed*
block is one node (``core.layout.layered_layout(graph, blocks)``), so ResNet50's 16
residual blocks read as 16 boxes, each with its subtotal (trainable, non-trainable,
total) and output shape. Double-click a block (or its context menu) to expand it; the
drawing is laid out again. Nodes cannot be dragged in this mode (their positions are the
layout's, not the model's). Turning it off shows the model's own positions again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QGraphicsItem

from paramlab.core.blocks import Block, block_totals, find_blocks
from paramlab.core.layout import Layout, layered_layout
from paramlab.core.summary import partial_note
from paramlab.core.types import format_shape
from paramlab.gui.canvas.deferred import coalescing_timer, structure_signals
from paramlab.gui.canvas.layer_item import GroupItem
from paramlab.gui.canvas.painting import NodeLook, params_short_text, params_text

if TYPE_CHECKING:
    from paramlab.gui.canvas.scene import CanvasScene

Position = tuple[float, float]


def block_look(block: Block, trainable: int, non_trainable: int, shape: str, bad: int
               ) -> NodeLook:
    """A folded block: its name, size, output shape and subtotal."""
    total = trainable + non_trainable
    tip = (f"Block {block.name}: {len(block.members)} layers\n"
           f"Subtotal: {total:,} parameters ({trainable:,} trainable, "
           f"{non_trainable:,} non-trainable){partial_note(bad)}\n"
           "Double-click to show its layers")
    return NodeLook(block.name, f"Block · {len(block.members)} layers", shape,
                    params_text(trainable, non_trainable), "", "unresolved" if bad else None,
                    tip, True, params_short_text(trainable, non_trainable))


class BlockView:
    """The blocks of one scene and the positions the scene shows while grouping is on."""

    def __init__(self, scene: CanvasScene) -> None:
        self._scene = scene
        self.blocks: dict[str, Block] = {}
        self.collapsed: set[str] = set()
        self.items: dict[str, GroupItem] = {}
        self.layout: Layout | None = None
        self._timer = coalescing_timer(scene, self._structure_changed)
        for signal in structure_signals(scene.document):
            signal.connect(lambda *_: self._timer.start() if self.enabled else None)
        scene.document.results_changed.connect(self.update_looks)

    @property
    def enabled(self) -> bool:
        return bool(self.blocks)

    # ------------------------------------------------------------------ queries
    def position(self, node_id: str) -> Position | None:
        """Where the scene shows ``node_id`` while grouping is on; ``None`` otherwise."""
        if self.layout is None:
            return None
        return self.layout.positions.get(node_id)

    def block_of(self, node_id: str) -> GroupItem | None:
        """The folded block item standing for ``node_id``, if any."""
        for item in self.items.values():
            if node_id in item.members:
                return item
        return None

    # ------------------------------------------------------------------ changes
    def set_enabled(self, on: bool) -> int:
        """Turn grouping on (every block folded) or off. Returns the number of blocks."""
        graph = self._scene.document.graph
        self.blocks = {b.name: b for b in find_blocks(graph)} if on else {}
        self.collapsed = set(self.blocks)
        self.refresh()
        return len(self.blocks)

    def set_collapsed(self, name: str, collapsed: bool) -> None:
        if name not in self.blocks or (name in self.collapsed) == collapsed:
            return
        (self.collapsed.add if collapsed else self.collapsed.discard)(name)
        self.refresh()

    def set_all(self, collapsed: bool) -> None:
        self.collapsed = set(self.blocks) if collapsed else set()
        self.refresh()

    def _structure_changed(self) -> None:
        if self.enabled:
            self.set_enabled(True)

    def refresh(self) -> None:
        """Lay out for the folded blocks, rebuild their items and move every item."""
        scene = self._scene
        graph = scene.document.graph
        for item in self.items.values():
            scene.removeItem(item)
        self.items.clear()
        if not self.blocks:
            self.layout = None
        else:
            folded = {n: self.blocks[n].members for n in self.collapsed}
            self.layout = layered_layout(graph, folded)
            for name in self.collapsed:
                block = self.blocks[name]
                item = GroupItem(name, list(block.members), NodeLook(name, "Block", "…", "", ""))
                item.kind = "block"
                xs = [self.layout.positions[n] for n in block.members]
                item.anchor = QPointF(sum(p[0] for p in xs) / len(xs),
                                      sum(p[1] for p in xs) / len(xs))
                item.setPos(item.anchor)
                item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, False)
                self.items[name] = item
                scene.addItem(item)
            self.update_looks()
        scene.show_positions()

    def update_looks(self) -> None:
        if not self.items:
            return
        doc = self._scene.document
        for name, item in self.items.items():
            t, nt, shape, bad = block_totals(doc.graph, doc.result, self.blocks[name])
            item.set_look(block_look(self.blocks[name], t, nt, format_shape(shape), bad))
