"""Export a graph as Keras 3 Python code (Functional API) that rebuilds it.

The code creates one ``keras.Input`` per InputLayer and one layer per node, with the
graph's layer names and arguments (the catalogue's normalised values, every catalogue field
spelled out; options the file left at ``None`` are left out), calls each layer on
its inputs in topological order, and ends with ``model = keras.Model(...)``. A shared
layer is created once and called once per call; a frozen layer gets ``trainable=False``.
``model.count_params()`` of the rebuilt model equals ParamLab's total.

What the code cannot rebuild (see also :mod:`core.io.keras_json_export`): a nested model
is written flattened; a layer type ParamLab does not know (custom class, ``Lambda``) becomes
a ``keras.layers.Identity`` placeholder with a ``TODO`` comment, since its code is not in the
file and nothing from a file is ever executed.

:func:`to_keras_json` (the Keras JSON config) lives in :mod:`core.io.keras_json_export` and is
re-exported here.
"""
from __future__ import annotations

import keyword
import math
import re
from typing import Any

from paramlab.core.catalogue import get_spec
from paramlab.core.graph import LayerGraph, snake_case
from paramlab.core.io.keras_calls import CALL_OPTIONS
from paramlab.core.io.keras_json_export import (
    APPLICATION_LAYERS,
    KERAS2_ONLY_LAYERS,
    LIST_INPUT_TYPES,
    call_map,
    freeze_nested,
    input_shape,
    is_op,
    keras2_only_class,
    keras_arguments,
    needs_trainable_flag,
    op_class,
    to_keras_json,
)
from paramlab.core.model_outputs import dead_operations, model_inputs, model_outputs
from paramlab.core.propagate import PropagationResult, propagate


def to_keras_code(graph: LayerGraph, result: PropagationResult | None = None) -> str:
    """Python source (Keras 3 Functional API) that rebuilds ``graph``.

    Returns:
        The source text; it defines ``build_model()`` returning the ``keras.Model`` and,
        when run as a script, prints ``model.summary()``.
    """
    if result is None:
        result = propagate(graph)
    names = _Names()
    calls = call_map(graph)
    layer_var: dict[str, str] = {}  # owner id -> variable holding the layer object
    out_var: dict[str, str] = {}  # node id -> variable holding its output tensor
    body: list[str] = []
    dead = dead_operations(graph, result.layers)
    for n in graph.topological_order():
        if n in dead:
            continue
        d = graph.raw(n)
        owner, k = calls[n]
        if d["type"] == "InputLayer":
            var = names.new(d["name"])
            out_var[n] = var
            args = [f"shape={_literal(input_shape(graph, n))}"]
            if isinstance(d["config"].get("dtype"), str) and d["config"]["dtype"] != "float32":
                args.append(f"dtype={_literal(d['config']['dtype'])}")
            args.append(f"name={_literal(d['name'])}")
            body.append(f"{var} = keras.Input({', '.join(args)})")
            continue
        inputs = [_output_expr(out_var[src], result, src, graph.output_index(src, n, i),
                               graph.raw(src)["type"]) for src, i in graph.inputs(n)]
        var = names.new(d["name"])
        out_var[n] = var
        options = "".join(f", {key}=True" for key in CALL_OPTIONS
                          if d["config"].get(key) is True)
        constant = d["config"].get("constant")
        if is_op(d["type"]) or (len(inputs) == 1 and constant is not None):
            # A Keras operation (x != 0, x * 2.0): keras.ops.not_equal(x, 0).
            operands = inputs + ([_literal(constant)] if len(inputs) == 1 and constant is not None
                                 else [])
            # the operation's own arguments (Any's axis and keepdims), as keywords
            spec = get_spec(d["type"])
            operands += [f"{f.name}={_literal(d['config'][f.name])}"
                         for f in (spec.fields if spec is not None else ())
                         if f.name in d["config"]]
            body.append(f"{var} = keras.ops.{snake_case(op_class(d['type']))}"
                        f"({', '.join(operands)})")
            continue
        if d["type"] in LIST_INPUT_TYPES:
            call_args = f"[{', '.join(inputs)}]"
        else:
            call_args = ", ".join(inputs)
        if owner not in layer_var:
            ctor = _constructor(graph, owner, result)
            if owner == n and not _is_shared(calls, owner):
                body.extend(_todo(graph, owner))
                body.append(f"{var} = {ctor}({call_args}{options})")
                continue
            obj = names.new(graph.raw(owner)["name"] + "_layer")
            layer_var[owner] = obj
            body.extend(_todo(graph, owner))
            body.append(f"{obj} = {ctor}")
        body.append(f"{var} = {layer_var[owner]}({call_args}{options})"
                    + (f"  # call {k} of the shared layer {graph.raw(owner)['name']!r}"
                       if k else ""))
    ins = [out_var[n] for n in model_inputs(graph)]
    outs = [_output_expr(out_var[n], result, n, k, graph.raw(n)["type"])
            for n, k in model_outputs(graph, result.layers)]
    body.append(f"return keras.Model(inputs={_seq(ins)}, outputs={_seq(outs)}, "
                f"name={_literal(graph.name)})")
    lines = [
        f"# Keras 3 model {graph.name!r}, exported by ParamLab.",
        (f"# ParamLab counts {result.total:,} parameters ({result.trainable:,} trainable, "
         f"{result.non_trainable:,} non-trainable)."),
        "import keras",
        "from keras import layers",
        *_application_imports(graph),
        "",
        "",
        "def build_model():",
        *("    " + line for line in body),
        "",
        "",
        'if __name__ == "__main__":',
        "    model = build_model()",
        "    model.summary()",
        "",
    ]
    return "\n".join(lines)


def _output_expr(var: str, result: PropagationResult, src: str, output: int,
                 layer_type: str) -> str:
    """The expression of output ``output`` of ``src``, whose call result is ``var``: the
    list element for a layer with several outputs (``return_state``). A generic RNN over
    stacked cells returns its states nested per cell (``(out, [h1, c1], [h2, c2])``); the
    output index counts them flattened, as Keras's config and summary do."""
    r = result.layers.get(src)
    if r is None or not r.output_shapes:
        return var
    if layer_type == "RNN":
        return f"keras.tree.flatten({var})[{output}]"
    return f"{var}[{output}]"


def _is_shared(calls: dict[str, tuple[str, int]], owner: str) -> bool:
    return any(o == owner and k > 0 for o, k in calls.values())


def _constructor(graph: LayerGraph, node_id: str, result: PropagationResult) -> str:
    d = graph.raw(node_id)
    spec = get_spec(d["type"])
    if spec is None:
        return f"layers.Identity(name={_literal(d['name'])})"
    args = keras_arguments(graph, node_id)
    frozen = needs_trainable_flag(graph, node_id, result)
    if frozen:
        args = freeze_nested(args)
    known = {f.name for f in spec.fields}
    parts = []
    for key, value in args.items():
        # Every catalogue field is written, even at its default: the catalogue gives a
        # default to arguments Keras requires (Conv2D's filters and kernel_size).
        if key not in known and (value is None or key == "dtype"):
            continue
        parts.append(f"{key}={_layer_or_literal(value)}")
    parts.append(f"name={_literal(d['name'])}")
    if frozen:
        parts.append("trainable=False")
    prefix = "" if d["type"] in APPLICATION_LAYERS else "layers."  # imported by name
    return f"{prefix}{d['type']}({', '.join(parts)})"


def _application_imports(graph: LayerGraph) -> list[str]:
    """``from keras.src.applications.convnext import LayerScale``, one line per module, for
    the :data:`APPLICATION_LAYERS` the model uses (keras.layers has none of them)."""
    used: dict[str, set[str]] = {}
    for n in graph.layer_ids():
        module = APPLICATION_LAYERS.get(graph.raw(n)["type"])
        if module is not None:
            used.setdefault(module, set()).add(graph.raw(n)["type"])
    return [f"from {module} import {', '.join(sorted(names))}"
            for module, names in sorted(used.items())]


def _todo(graph: LayerGraph, node_id: str) -> list[str]:
    d = graph.raw(node_id)
    legacy = keras2_only_class(d["type"], d["config"])
    if legacy is not None:
        what = f"is a {legacy}" if legacy == d["type"] else f"wraps a {legacy}"
        return [(f"# TODO: {d['name']!r} {what}, a tf.keras 2 layer Keras 3 does not have: "
                 f"{KERAS2_ONLY_LAYERS[legacy]}.")]
    if get_spec(d["type"]) is not None:
        return []
    return [(f"# TODO: {d['name']!r} is a {d['type']} layer ParamLab cannot rebuild (its code "
             "is not in the file); replace this placeholder with it.")]


def _layer_or_literal(value: Any) -> str:
    """A wrapper's nested layer (``{"module": "keras.layers", "class_name", "config"}``)
    as a constructor call, since Bidirectional and TimeDistributed need a layer object (and
    RNN a cell object, StackedRNNCells a list of them);
    anything else as a literal (Keras accepts initializer configs as dicts)."""
    if (isinstance(value, dict) and value.get("module") == "keras.layers"
            and isinstance(value.get("class_name"), str) and value["class_name"].isidentifier()
            and isinstance(value.get("config"), dict)):
        args = ", ".join(f"{k}={_layer_or_literal(v)}" for k, v in value["config"].items()
                         if isinstance(k, str) and k.isidentifier())
        return f"layers.{value['class_name']}({args})"
    if isinstance(value, list):  # StackedRNNCells' cells
        return f"[{', '.join(_layer_or_literal(v) for v in value)}]"
    return _literal(value)


def _seq(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"[{', '.join(items)}]"


def _literal(value: Any) -> str:
    """A Python literal for a JSON-like value (non-finite floats spelled as ``float(...)``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_literal(v) for v in value)
        if isinstance(value, tuple):
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        return f"[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return repr(value)
    return repr(str(value))


class _Names:
    """Unique Python identifiers derived from layer names."""

    def __init__(self) -> None:
        self.used: set[str] = {"keras", "layers", "model", "build_model"}

    def new(self, name: str) -> str:
        stem = re.sub(r"\W", "_", name) or "x"
        if not stem.isidentifier():
            stem = "x_" + stem
        if keyword.iskeyword(stem):
            stem += "_"
        candidate, i = stem, 1
        while candidate in self.used:
            candidate = f"{stem}_{i}"
            i += 1
        self.used.add(candidate)
        return candidate


__all__ = ["to_keras_code", "to_keras_json"]
