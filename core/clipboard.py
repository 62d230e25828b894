"""Copy and paste of layers as JSON (the ``application/x-paramlab-layers`` clipboard data).

:func:`copy_layers` serialises some layers of a graph and the connections *between* them;
:func:`paste_edits` turns such a text back into core edits (``AddLayer`` then ``Connect``)
with fresh ids, fresh unique names (Keras style: ``dense`` -> ``dense_1``) and positions
shifted by an offset. Pasting is therefore one undoable macro in the GUI, and nothing in
the graph is touched here.

Nested models: a pasted (or duplicated) copy is always a *top-level* layer of the model,
even when the original belongs to a nested model (``group``), and also when a whole
collapsed nested model was copied (its layers come back as separate layers, connected as
before, each keeping its own ``trainable`` flag, so the counts are the same). A nested
model stands for a model defined elsewhere (a pretrained base imported from Keras); a
layer copied out of it is a new layer of the user's own model, and silently adding layers
to that base (or inventing a second base the file never had) would change what the
imported model means. Keras agrees: layers are added to the outer model, not into
``vgg16``. The copies keep their config, trainable flag and inner connections.

The text comes from the system clipboard, i.e. from anywhere: it is parsed with the
stdlib ``json`` only (never evaluated) and checked field by field; anything malformed
raises :class:`ClipboardError` with a message for a person.
"""
from __future__ import annotations

import copy
import itertools
import json
import re
from typing import Any

from paramlab.core.edits import AddLayer, Connect
from paramlab.core.errors import ParamLabError
from paramlab.core.graph import LayerGraph, Position

FORMAT = "paramlab-layers"
VERSION = 1
MAX_TEXT = 20_000_000  # characters; a clipboard payload beyond this is refused unread
MAX_LAYERS = 20_000

_NUMBERED = re.compile(r"^(.*?)_\d+$")


class ClipboardError(ParamLabError):
    """The clipboard text is not ParamLab layers (wrong format, version or field types)."""


def copy_layers(graph: LayerGraph, node_ids: list[str]) -> str:
    """Serialise layers ``node_ids`` of ``graph`` and the connections among them to JSON.

    Connections to layers outside the selection are left out (a pasted copy starts
    disconnected there). Layers are written in the graph's topological order so a paste
    recreates them in a sensible order.

    Raises:
        GraphError: an id is not in the graph.
    """
    chosen = set(node_ids)
    for n in chosen:
        graph.raw(n)  # raises GraphError for an unknown id
    order = [n for n in graph.topological_order() if n in chosen]
    layers = []
    for n in order:
        d = graph.raw(n)
        entry: dict[str, Any] = {"id": n, "type": d["type"], "name": d["name"],
                                 "config": copy.deepcopy(d["config"]),
                                 "trainable": d["trainable"],
                                 "position": list(d["position"])}
        if d.get("shared_with") is not None:
            entry["shared_with"] = d["shared_with"]
        layers.append(entry)
    # [src, dst, input index] (+ output index when not the first tensor)
    edges = [[s, t, k] + ([graph.output_index(s, t, k)] if graph.output_index(s, t, k) else [])
             for s, t, k in graph.edges() if s in chosen and t in chosen]
    return json.dumps({"format": FORMAT, "version": VERSION, "layers": layers,
                       "edges": edges}, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"cannot copy a config value of type {type(value).__name__}")


def parse_layers(text: str) -> dict[str, Any]:
    """Parse and check clipboard text written by :func:`copy_layers`.

    Returns:
        ``{"layers": [...], "edges": [[src, dst, index], ...]}`` with every field checked.

    Raises:
        ClipboardError: not JSON, not this format or version, or a field has the wrong type.
    """
    if not isinstance(text, str):
        raise ClipboardError("the clipboard does not hold text")
    if len(text) > MAX_TEXT:
        raise ClipboardError(f"the clipboard text is too large ({len(text):,} characters)")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ClipboardError(f"the clipboard does not hold ParamLab layers: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ClipboardError("the clipboard does not hold ParamLab layers")
    if data.get("version") != VERSION:
        raise ClipboardError(f"unsupported clipboard layers version {data.get('version')!r} "
                             f"(this ParamLab reads version {VERSION})")
    layers = data.get("layers")
    edges = data.get("edges", [])
    if not isinstance(layers, list) or not isinstance(edges, list):
        raise ClipboardError("clipboard layers: 'layers' and 'edges' must be lists")
    if len(layers) > MAX_LAYERS:
        raise ClipboardError(f"clipboard layers: too many layers ({len(layers):,})")
    ids: set[str] = set()
    for i, layer in enumerate(layers):
        _check_layer(i, layer)
        if layer["id"] in ids:
            raise ClipboardError(f"clipboard layers: id {layer['id']!r} appears twice")
        ids.add(layer["id"])
    seen_inputs: set[tuple[str, int]] = set()
    for edge in edges:
        if (not isinstance(edge, list) or len(edge) not in (3, 4)
                or not isinstance(edge[0], str) or not isinstance(edge[1], str)
                or edge[0] not in ids or edge[1] not in ids or not _is_int(edge[2]) or edge[2] < 0
                or (len(edge) == 4 and (not _is_int(edge[3]) or edge[3] < 0))):
            raise ClipboardError(f"clipboard layers: bad connection {edge!r}")
        if (edge[1], edge[2]) in seen_inputs:
            raise ClipboardError(f"clipboard layers: input {edge[2]} of {edge[1]!r} is "
                                 "connected twice")
        seen_inputs.add((edge[1], edge[2]))
    return {"layers": layers, "edges": edges}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_layer(i: int, layer: Any) -> None:
    where = f"clipboard layer {i + 1}"
    if not isinstance(layer, dict):
        raise ClipboardError(f"{where} is not an object")
    for key in ("id", "type", "name"):
        if not isinstance(layer.get(key), str) or not layer[key] or len(layer[key]) > 500:
            raise ClipboardError(f"{where}: {key!r} must be a non-empty string")
    if not isinstance(layer.get("config", {}), dict):
        raise ClipboardError(f"{where}: 'config' must be an object")
    if not isinstance(layer.get("trainable", True), bool):
        raise ClipboardError(f"{where}: 'trainable' must be true or false")
    pos = layer.get("position", [0, 0])
    if (not isinstance(pos, list) or len(pos) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in pos)
            or not all(abs(x) < 1e9 for x in pos)):
        raise ClipboardError(f"{where}: 'position' must be two numbers")
    shared = layer.get("shared_with")
    if shared is not None and not isinstance(shared, str):
        raise ClipboardError(f"{where}: 'shared_with' must be a layer id")


def paste_edits(graph: LayerGraph, text: str,
                offset: Position = (40.0, 40.0)) -> tuple[list[Any], list[str]]:
    """Edits that paste the layers in ``text`` into ``graph``.

    Args:
        graph: The graph to paste into (only read here).
        text: Clipboard text from :func:`copy_layers`.
        offset: Added to every pasted position (scene units) so copies do not hide the
            originals.

    Returns:
        ``(edits, new_ids)``: ``AddLayer`` edits (with fixed fresh ids and names) followed by
        ``Connect`` edits for the copied inner connections, and the ids of the new layers
        in the same order as they are added. Nested-model membership (``group``) is not
        pasted: copies are top-level layers. A ``shared_with`` link is kept when the owner
        was copied too (pointing at its copy) or still exists in ``graph``.

    Raises:
        ClipboardError: ``text`` is malformed (see :func:`parse_layers`).
    """
    data = parse_layers(text)
    new_id = _fresh_ids(graph)
    taken: set[str] = set()
    id_map: dict[str, str] = {}
    for layer in data["layers"]:
        id_map[layer["id"]] = next(new_id)
    edits: list[Any] = []
    for layer in data["layers"]:
        name = _fresh_name(graph, layer["name"], taken)
        taken.add(name)
        shared = layer.get("shared_with")
        if shared in id_map:
            shared = id_map[shared]
        elif shared is not None and shared not in graph:
            shared = None
        x, y = layer.get("position", [0, 0])
        edits.append(AddLayer(layer["type"], name, copy.deepcopy(layer.get("config", {})),
                              layer.get("trainable", True),
                              (float(x) + offset[0], float(y) + offset[1]),
                              id_map[layer["id"]], shared))
    for src, dst, index, *output in sorted(data["edges"], key=lambda e: e[2]):
        edits.append(Connect(id_map[src], id_map[dst], index, output[0] if output else 0))
    return edits, [id_map[layer["id"]] for layer in data["layers"]]


def fresh_id(graph: LayerGraph) -> str:
    """An id ``n<k>`` not used in ``graph``, for an ``AddLayer`` that later edits of the
    same undo step refer to (the graph's own id scheme skips used ids)."""
    return next(_fresh_ids(graph))


def _fresh_ids(graph: LayerGraph):
    """Ids ``n<k>`` not used in ``graph`` (the graph's own id scheme skips used ids)."""
    for k in itertools.count(len(graph) + 1):
        candidate = f"n{k}"
        if candidate not in graph:
            yield candidate


def _fresh_name(graph: LayerGraph, name: str, taken: set[str]) -> str:
    """``name`` made unique as Keras does: strip a ``_<number>`` suffix, then add the first
    free ``_1``, ``_2`` ..."""
    m = _NUMBERED.match(name)
    stem = m.group(1) if m and m.group(1) else name
    candidates = itertools.chain([stem], (f"{stem}_{i}" for i in itertools.count(1)))
    for candidate in candidates:
        if graph.id_of(candidate) is None and candidate not in taken:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


__all__ = ["FORMAT", "VERSION", "ClipboardError", "copy_layers", "parse_layers", "paste_edits"]
