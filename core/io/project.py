"""ParamLab project files: a versioned JSON document holding one :class:`LayerGraph`.

Format (``format_version`` 2; version 1, the same without an ``exercise`` block, still
reads)::

    {
      "format_version": 2,
      "name": "lenet",
      "layers": [
        {"id": "n1", "name": "input_layer", "type": "InputLayer",
         "config": {"shape": [32, 32, 3]}, "trainable": true, "position": [0.0, 0.0]},
        {"id": "n2", ..., "shared_with": "n1", "group": "vgg16"}   # both optional
      ],
      "groups": {"vgg16": {"type": "Functional", "trainable": false, "collapsed": true,
                           "outputs": [[["n19", 0]]]}},   # outputs: optional, see below
      "outputs": [["n7", 0], ["n5", 1]],   # optional, see below
      "edges": [{"src": "n1", "dst": "n2", "index": 0}]   (plus "output": k when the edge
      carries output tensor k > 0 of a multi-output layer, e.g. an LSTM's state_h)
    }

``config`` uses Keras's argument names; tuples are saved as lists and come back as tuples
for the catalogue's tuple fields (``kernel_size``, ``strides``, ``shape`` ...). Layers are
saved in insertion order, which is the tie-break of the topological order, so a loaded
model lists its layers as the saved one did. A group's ``outputs`` are an imported nested
model's declared outputs, per call, as ``[layer id, output index]`` (``core.group_outputs``);
a group without them infers its outputs from its connections. The top-level ``outputs`` are
an imported model's declared outputs, ``[layer id, output index]`` in Keras's order
(``LayerGraph.declared_outputs``, ``core.model_outputs``); without them the model puts out
what nothing consumes. The top-level ``inputs`` are its declared inputs, InputLayer ids in
Keras's order (``LayerGraph.declared_inputs``); without them the InputLayers are the inputs
in the graph's order.

Every problem found while reading — unreadable file, not JSON, truncated, wrong types,
missing or unknown ``format_version``, duplicate ids or names, edges to unknown layers,
cycles, too many inputs — raises :class:`core.errors.ModelFileError` whose message gives
the path and what is wrong. Nothing in a file is executed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from paramlab.core.catalogue import get_spec
from paramlab.core.errors import GraphError, ModelFileError
from paramlab.core.fields import FieldKind
from paramlab.core.graph import LayerGraph
from paramlab.core.io.atomic import atomic_write_text
from paramlab.core.text import (
    MAX_NAME,
    elide_name,
    elide_value,
    find_lone_surrogate,
    format_number,
    is_finite_number,
    json_value_error,
    name_too_long,
)

FORMAT_VERSION = 2  # 2: may carry an "exercise" block (core.exercise.format); 1 still reads
READABLE_VERSIONS = (1, 2)
MEMORY = "<memory>"
_TUPLE_KINDS = (FieldKind.INTS, FieldKind.SHAPE)
#: Layer types earlier ParamLab versions saved under another name, read as today's:
#: GroupedQueryAttention is Keras's Python class, GroupQueryAttention what Keras writes.
RENAMED_TYPES = {"GroupedQueryAttention": "GroupQueryAttention"}


# ---------------------------------------------------------------------------- writing
def graph_to_dict(graph: LayerGraph) -> dict[str, Any]:
    """The project document of ``graph`` as plain Python data (JSON-ready: tuples become
    lists when dumped)."""
    layers = []
    for n in graph.layer_ids_in_sequence():
        d = graph.raw(n)
        entry: dict[str, Any] = {
            "id": n, "name": d["name"], "type": d["type"], "config": _plain(d["config"]),
            "trainable": d["trainable"], "position": [d["position"][0], d["position"][1]],
        }
        if d.get("shared_with") is not None:
            entry["shared_with"] = d["shared_with"]
        if d.get("group") is not None:
            entry["group"] = d["group"]
        layers.append(entry)
    edges = [{"src": u, "dst": v, "index": k} | (
                 {"output": graph.output_index(u, v, k)} if graph.output_index(u, v, k) else {})
             for u, v, k in sorted(graph.edges(), key=_edge_order(graph))]
    data = {"format_version": FORMAT_VERSION, "name": graph.name, "layers": layers,
            "groups": {name: dict(meta) for name, meta in graph.groups.items()}}
    declared = [[n, k] for n, k in graph.declared_outputs if n in graph]
    if declared:
        data["outputs"] = declared
    inputs = [n for n in graph.declared_inputs if n in graph]
    if inputs:
        data["inputs"] = inputs
    data["edges"] = edges
    return data


def dumps_project(graph: LayerGraph) -> str:
    """The project file's text: JSON with one layer and one edge per line (diff-friendly).

    Raises:
        ModelFileError: a config value cannot be written as JSON (path ``<memory>``).
    """
    data = graph_to_dict(graph)
    try:
        layers = ",\n".join("    " + json.dumps(x, ensure_ascii=False) for x in data["layers"])
        edges = ",\n".join("    " + json.dumps(x) for x in data["edges"])
        head = (f'{{\n  "format_version": {FORMAT_VERSION},\n  "name": '
                + json.dumps(data["name"], ensure_ascii=False) + ",\n")
        groups = json.dumps(data["groups"], ensure_ascii=False)
        outputs = "".join(f',\n  "{key}": {json.dumps(data[key])}'
                          for key in ("outputs", "inputs") if key in data)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(MEMORY, f"the model holds a value that JSON cannot store: {exc}") \
            from None
    return (head + '  "layers": [\n' + layers + ("\n" if layers else "")
            + '  ],\n  "groups": ' + groups + outputs + ',\n  "edges": [\n' + edges
            + ("\n" if edges else "") + "  ]\n}\n")


def save_project(graph: LayerGraph, path: str | os.PathLike[str]) -> None:
    """Write ``graph`` to ``path`` atomically (temp file in the same folder, fsync,
    ``os.replace``): a crash never leaves a half-written file, and on error the previous
    file is untouched.

    Raises:
        ModelFileError: the file cannot be written (message: path and the OS's reason), or
            a config value cannot be stored as JSON.
    """
    write_document(path, dumps_project, graph)


def write_document(path: str | os.PathLike[str], dumps: Any, value: Any) -> None:
    """Write ``dumps(value)`` to ``path`` atomically (projects, exercise files).

    Raises:
        ModelFileError: ``dumps`` failed (its detail, now naming ``path``) or the file cannot
            be written (the OS's reason).
    """
    try:
        text = dumps(value)
    except ModelFileError as exc:
        raise ModelFileError(path, exc.detail) from None
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise ModelFileError(path, f"cannot write the file: {exc.strerror or exc}") from None


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _edge_order(graph: LayerGraph):
    rank = {n: i for i, n in enumerate(graph.layer_ids_in_sequence())}
    return lambda e: (rank[e[1]], e[2])


# ---------------------------------------------------------------------------- reading
def load_project(path: str | os.PathLike[str]) -> LayerGraph:
    """Read a project file.

    Raises:
        ModelFileError: the file cannot be read or is not a valid project (see module doc).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(p, "no such file") from None
    except IsADirectoryError:
        raise ModelFileError(p, "is a folder, not a file") from None
    except OSError as exc:
        raise ModelFileError(p, f"cannot read the file: {exc.strerror or exc}") from None
    return loads_project(raw, p)


def loads_project(text: str | bytes, path: str | os.PathLike[str] = MEMORY) -> LayerGraph:
    """Parse project text; ``path`` only names the source in error messages.

    Raises:
        ModelFileError: as :func:`load_project`.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ModelFileError(path, f"not a text file (invalid UTF-8 at byte {exc.start})") \
                from None
    if not text.strip():
        raise ModelFileError(path, "the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        # Text cut short ends inside a string or before a value closes: say so plainly.
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise ModelFileError(path, f"the file is truncated: JSON ends early ({where})") \
                from None
        raise ModelFileError(path, f"not valid JSON: {exc.msg} ({where})") from None
    except RecursionError:
        raise ModelFileError(path, "JSON nested too deeply") from None
    except ValueError as exc:  # Python's limit on int digits (not a JSONDecodeError)
        raise ModelFileError(path, json_value_error(exc)) from None
    bad_text = find_lone_surrogate(data, text)
    if bad_text is not None:
        raise ModelFileError(path, f"{bad_text} holds a lone UTF-16 surrogate (an invalid "
                                   "character): ParamLab refuses such names and values")
    return graph_from_dict(data, path)


def graph_from_dict(data: Any, path: str | os.PathLike[str] = MEMORY) -> LayerGraph:
    """Build a :class:`LayerGraph` from a project document (parsed JSON).

    Raises:
        ModelFileError: the document is not a valid project; the message names the path
            and the first problem found.
    """
    def bad(detail: str) -> ModelFileError:
        return ModelFileError(path, detail)

    if not isinstance(data, dict):
        raise bad(f"expected a JSON object at the top level, found {_kind(data)}")
    if "format_version" not in data:
        raise bad("not a ParamLab project: 'format_version' is missing")
    version = data["format_version"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad(f"'format_version' must be a whole number, found {_kind(version)}")
    if version > FORMAT_VERSION:
        raise bad(f"format_version {version} was written by a newer ParamLab; "
                  f"this version reads format_version {FORMAT_VERSION}")
    if version not in READABLE_VERSIONS:
        raise bad(f"unknown format_version {version}; this version reads "
                  f"format_version {', '.join(map(str, READABLE_VERSIONS))}")
    name = data.get("name", "model")
    if not isinstance(name, str):
        raise bad(f"'name' must be a string, found {_kind(name)}")
    layers = _get_list(data, "layers", bad)
    edges = _get_list(data, "edges", bad, required=False)
    groups = data.get("groups", {})
    if not isinstance(groups, dict):
        raise bad(f"'groups' must be an object, found {_kind(groups)}")

    graph = LayerGraph(name)
    for gname, meta in groups.items():
        graph.groups[gname] = _group_meta(gname, meta, bad)

    shared: list[tuple[int, str, str]] = []
    for i, entry in enumerate(layers):
        where = f"layer {i + 1}"
        if not isinstance(entry, dict):
            raise bad(f"{where}: expected an object, found {_kind(entry)}")
        node_id = _get_str(entry, "id", where, bad)
        lname = _get_str(entry, "name", where, bad)
        where = f"layer {_q(lname)}"
        ltype = _get_str(entry, "type", where, bad)
        ltype = RENAMED_TYPES.get(ltype, ltype)
        config = entry.get("config", {})
        if not isinstance(config, dict):
            raise bad(f"{where}: 'config' must be an object, found {_kind(config)}")
        trainable = entry.get("trainable", True)
        if not isinstance(trainable, bool):
            raise bad(f"{where}: 'trainable' must be true or false, found {_kind(trainable)}")
        position = _position(entry.get("position", [0.0, 0.0]), where, bad)
        group = entry.get("group")
        if group is not None:
            if not isinstance(group, str):
                raise bad(f"{where}: 'group' must be a string, found {_kind(group)}")
            if group not in graph.groups:
                raise bad(f"{where}: group {_q(group)} is not listed in 'groups'")
        owner = entry.get("shared_with")
        if owner is not None:
            if not isinstance(owner, str):
                raise bad(f"{where}: 'shared_with' must be a layer id, found {_kind(owner)}")
            shared.append((i, lname, owner))
        if node_id in graph:
            raise bad(f"{where}: duplicate layer id {_q(node_id)}")
        if graph.id_of(lname) is not None:
            raise bad(f"layer {i + 1}: duplicate layer name {_q(lname)}; names must be unique")
        graph.add_layer(ltype, lname, _normalise(ltype, config), trainable, position,
                        node_id, owner, group)
    for _, lname, owner in shared:
        if owner not in graph:
            raise bad(f"layer {_q(lname)}: 'shared_with' names unknown layer id {_q(owner)}")
        if graph.raw(owner)["name"] == lname:
            raise bad(f"layer {_q(lname)}: a layer cannot share weights with itself")

    for i, edge in enumerate(edges):
        where = f"edge {i + 1}"
        if not isinstance(edge, dict):
            raise bad(f"{where}: expected an object, found {_kind(edge)}")
        src = _get_str(edge, "src", where, bad)
        dst = _get_str(edge, "dst", where, bad)
        index = edge.get("index")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)
                                  or index < 0):
            raise bad(f"{where}: 'index' must be a whole number 0 or more, "
                      f"found {elide_value(index)}")
        output = edge.get("output", 0)
        if not isinstance(output, int) or isinstance(output, bool) or output < 0:
            raise bad(f"{where}: 'output' must be a whole number 0 or more, "
                      f"found {elide_value(output)}")
        for end, node in (("src", src), ("dst", dst)):
            if node not in graph:
                raise bad(f"{where}: '{end}' names unknown layer id {_q(node)}")
        try:
            graph.connect(src, dst, index, output)
        except GraphError as exc:
            raise bad(f"{where}: {exc}") from None
    graph.declared_outputs = _outputs(data.get("outputs", []), graph, bad)
    graph.declared_inputs = _inputs(data.get("inputs", []), graph, bad)
    return graph


def _inputs(value: Any, graph: LayerGraph, bad: Any) -> list[str]:
    """The document's ``inputs``: a list of InputLayer ids."""
    if not isinstance(value, list):
        raise bad(f"'inputs' must be a list, found {_kind(value)}")
    for i, node_id in enumerate(value):
        if not isinstance(node_id, str) or node_id not in graph:
            raise bad(f"input {i + 1}: names unknown layer id {_q(node_id)}")
        if graph.raw(node_id)["type"] != "InputLayer":
            raise bad(f"input {i + 1}: layer id {_q(node_id)} is a "
                      f"{graph.raw(node_id)['type']}, not an InputLayer")
    return list(value)


def _outputs(value: Any, graph: LayerGraph, bad: Any) -> list[tuple[str, int]]:
    """The document's ``outputs``: a list of ``[layer id, output index]``."""
    if not isinstance(value, list):
        raise bad(f"'outputs' must be a list, found {_kind(value)}")
    outs = []
    for i, ref in enumerate(value):
        where = f"output {i + 1}"
        if not isinstance(ref, list) or len(ref) != 2:
            raise bad(f"{where}: expected [layer id, output index], found {elide_value(ref)}")
        node_id, k = ref
        if not isinstance(node_id, str) or node_id not in graph:
            raise bad(f"{where}: names unknown layer id {_q(node_id)}")
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise bad(f"{where}: the output index must be a whole number 0 or more, "
                      f"found {elide_value(k)}")
        outs.append((node_id, k))
    return outs


def _normalise(type_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Lists back to tuples for the catalogue's tuple fields (JSON has no tuples)."""
    spec = get_spec(type_name)
    out = dict(config)
    if spec is None:
        return out
    for f in spec.fields:
        value = out.get(f.name)
        if f.kind in _TUPLE_KINDS and isinstance(value, list) and all(
                v is None or isinstance(v, (int, float)) for v in value):
            out[f.name] = tuple(value)
    return out


def _group_meta(name: str, meta: Any, bad) -> dict[str, Any]:
    where = f"group {_q(name)}"
    if not isinstance(meta, dict):
        raise bad(f"{where}: expected an object, found {_kind(meta)}")
    out = dict(meta)
    gtype = out.setdefault("type", "Functional")
    if not isinstance(gtype, str):
        raise bad(f"{where}: 'type' must be a string, found {_kind(gtype)}")
    for key in ("trainable", "collapsed"):
        value = out.setdefault(key, True)
        if not isinstance(value, bool):
            raise bad(f"{where}: '{key}' must be true or false, found {_kind(value)}")
    outputs = out.get("outputs")
    if outputs is not None and not (isinstance(outputs, list) and all(
            isinstance(call, list) and all(
                isinstance(ref, list) and len(ref) == 2 and isinstance(ref[0], str)
                and type(ref[1]) is int and ref[1] >= 0 for ref in call)
            for call in outputs)):
        raise bad(f"{where}: 'outputs' must be a list of calls, each a list of "
                  f"[layer id, output index] pairs, found {_kind(outputs)}")
    return out


def _get_list(data: dict[str, Any], key: str, bad, required: bool = True) -> list[Any]:
    if key not in data:
        if required:
            raise bad(f"'{key}' is missing")
        return []
    value = data[key]
    if not isinstance(value, list):
        raise bad(f"'{key}' must be a list, found {_kind(value)}")
    return value


def _get_str(entry: dict[str, Any], key: str, where: str, bad) -> str:
    if key not in entry:
        raise bad(f"{where}: '{key}' is missing")
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise bad(f"{where}: '{key}' must be a non-empty string, found {_kind(value)}")
    if len(value) > MAX_NAME:
        raise bad(f"{where}: {name_too_long(value, repr(key))}")
    return value


def _position(value: Any, where: str, bad) -> tuple[float, float]:
    if (not isinstance(value, list) or len(value) != 2
            or not all(is_finite_number(v) for v in value)):
        raise bad(f"{where}: 'position' must be two finite numbers [x, y], "
                  f"found {elide_value(value)}")
    return float(value[0]), float(value[1])


def _q(name: Any) -> str:
    """A name or id from the file, quoted and cut for a message."""
    return repr(elide_name(name)) if isinstance(name, str) else elide_value(name)


def _kind(value: Any) -> str:
    """How a JSON value reads in an error message: ``a string ('abc')``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({format_number(value)})"
    if isinstance(value, str):
        return f"a string ({elide_value(value, 40)})"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
