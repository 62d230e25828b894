"""Automatic placement of layers on the canvas, by topological generations.

Generation ``g`` (layers whose longest path from an input has ``g`` edges) goes in row
``g``; layers of one row are spread horizontally, centred. Uses
the graph's networkx topological order.
"""
from __future__ import annotations

from core.graph import LayerGraph, Position

ROW_HEIGHT = 110.0
COLUMN_WIDTH = 220.0


def auto_layout(graph: LayerGraph) -> dict[str, Position]:
    """Positions (scene units, y grows downwards) for every layer: inputs on top."""
    g = graph.nx_graph
    positions: dict[str, Position] = {}
    # topological_generations puts a layer right after its *first* ready input; a layer
    # belongs below its *last* input, so use the longest path depth instead.
    depth: dict[str, int] = {}
    for n in graph.topological_order():
        depth[n] = max((depth[p] + 1 for p in g.predecessors(n)), default=0)
    rows: dict[int, list[str]] = {}
    for n in graph.topological_order():
        rows.setdefault(depth[n], []).append(n)
    for row, ids in rows.items():
        width = (len(ids) - 1) * COLUMN_WIDTH
        for i, n in enumerate(ids):
            positions[n] = (i * COLUMN_WIDTH - width / 2, row * ROW_HEIGHT)
    return positions


def apply_layout(graph: LayerGraph) -> None:
    """Move every layer to :func:`auto_layout`'s position (for freshly loaded models;
    the GUI uses undoable ``Move`` edits instead)."""
    for n, pos in auto_layout(graph).items():
        graph.move(n, pos)


__all__ = ["auto_layout", "apply_layout"]
