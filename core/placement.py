"""Where a new layer goes on the canvas: after a chosen layer, or in free space.

Positions are node centres in scene units (y grows downwards), as ``core.layout`` gives
them. A node is drawn ``NODE_WIDTH`` x ``NODE_HEIGHT`` (184 x 76) around its centre, so two
nodes overlap when their centres are closer than that on both axes; the clearances below
add a margin so that a placed node never touches another.
"""
from __future__ import annotations

from paramlab.core.errors import LayerError
from paramlab.core.graph import LayerGraph, Position
from paramlab.core.layout import COLUMN_WIDTH, ROW_HEIGHT
from paramlab.core.propagate import PropagationResult
from paramlab.core.spec import LayerSpec

CLEAR_X = 200.0  # centres closer than this horizontally ...
CLEAR_Y = 92.0  # ... and this vertically would overlap (nodes are 184 x 76)
MAX_RINGS = 200  # free space is always found long before this on a real canvas


def is_free(graph: LayerGraph, pos: Position) -> bool:
    """True when a node centred at ``pos`` overlaps no layer of ``graph``."""
    x, y = pos
    for n in graph.layer_ids():
        px, py = graph.raw(n)["position"]
        if abs(px - x) < CLEAR_X and abs(py - y) < CLEAR_Y:
            return False
    return True


def free_position(graph: LayerGraph, near: Position) -> Position:
    """The free slot nearest ``near``: ``near`` itself if free, else the first free point
    on rings of grid cells (``COLUMN_WIDTH`` x ``ROW_HEIGHT``) around it, nearest first."""
    x0, y0 = float(near[0]), float(near[1])
    if is_free(graph, (x0, y0)):
        return (x0, y0)
    occupied = [graph.raw(n)["position"] for n in graph.layer_ids()]
    for ring in range(1, MAX_RINGS):
        cells = [(i, j) for i in range(-ring, ring + 1) for j in range(-ring, ring + 1)
                 if max(abs(i), abs(j)) == ring]
        cells.sort(key=lambda c: (c[0] * COLUMN_WIDTH) ** 2 + (c[1] * ROW_HEIGHT) ** 2)
        for i, j in cells:
            x, y = x0 + i * COLUMN_WIDTH, y0 + j * ROW_HEIGHT
            if all(abs(px - x) >= CLEAR_X or abs(py - y) >= CLEAR_Y for px, py in occupied):
                return (x, y)
    return (x0, y0 + MAX_RINGS * ROW_HEIGHT)


def accepts_output_of(spec: LayerSpec, config: dict, result: PropagationResult,
                      src: str) -> bool:
    """True when a layer of ``spec`` with ``config`` can take ``src``'s output as its only
    input: ``src`` has a known output shape, the layer takes one input, and its
    ``output_shape`` and ``weights`` rules accept that shape (no ``LayerError``)."""
    layer = result.layers.get(src)
    if (layer is None or layer.output_shape is None or spec.inputs.minimum > 1
            or spec.inputs.maximum == 0):
        return False
    try:
        resolved = spec.resolve_config(config)
        shapes = (layer.output_shape,)
        spec.output_shape(shapes, resolved)
        spec.weights(shapes, resolved)
    except LayerError:
        return False
    return True


def insertion_after(graph: LayerGraph, result: PropagationResult, src: str,
                    spec: LayerSpec, config: dict) -> Position | None:
    """Where a new layer connected from ``src`` goes: one row below ``src`` (or the free
    slot nearest it); ``None`` when the shapes do not allow the connection."""
    if not accepts_output_of(spec, config, result, src):
        return None
    x, y = graph.raw(src)["position"]
    return free_position(graph, (x, y + ROW_HEIGHT))


__all__ = ["accepts_output_of", "free_position", "insertion_after", "is_free"]
