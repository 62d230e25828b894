"""Export a graph as a Keras 3 model config (the JSON ``keras.models.model_from_json`` loads).

The config is a Functional model (``keras/src/models/functional.py`` ``get_config``): one
entry per layer with ``inbound_nodes`` of ``{"args": [...], "kwargs": {}}`` holding
``__keras_tensor__`` records; ``input_layers`` are the InputLayers, ``output_layers`` the
model's outputs (``core.model_outputs``: an imported file's declared outputs, else every
tensor of the layers nothing consumes). Layer names are the graph's; arguments are the catalogue's
normalised values in Keras's form (``core.catalogue.keras_compat.to_keras_config``).

What does not survive the trip: a nested model is written flattened (its layers keep their
``trainable`` flags, so counts are equal); an Embedding mask is implicit again (Keras
passes it on by itself when ``mask_zero`` is true); a layer type ParamLab does not know
(custom class, ``Lambda``) is written as the file had it, and Keras will refuse it unless
you register that class.
"""
from __future__ import annotations

import json
import logging
from typing import Any, NamedTuple

from paramlab.core.catalogue import get_spec
from paramlab.core.catalogue import is_operation as is_op
from paramlab.core.catalogue.keras_compat import (
    NESTED_KEYS,
    set_nested_trainable,
    to_keras_config,
)
from paramlab.core.catalogue.recurrent import DEFAULT_CELL
from paramlab.core.errors import LayerError
from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_calls import CALL_OPTIONS
from paramlab.core.model_outputs import dead_operations, model_inputs, model_outputs
from paramlab.core.propagate import PropagationResult, propagate
from paramlab.core.text import elide_name, elide_value

log = logging.getLogger(__name__)

#: Keras 2 arguments that Keras 3 constructors refuse; dropped on export.
# (BatchNormalization's renorm, renorm_clipping and renorm_momentum are Keras 3's too, as
# of 3.15: kept, since renorm's three more moving statistics are in the count.)
KERAS2_ONLY = frozenset({"time_major", "fused", "virtual_batch_size", "adjustment",
                         "input_length",
                         # tf.keras 2's random augmentation layers ("stateful", ...)
                         "rng_type"})
#: Keys ParamLab adds to a node's config that are not Keras arguments.
PARAMLAB_KEYS = frozenset({"constant"})
# What a node's config may hold that is no constructor argument: dropped on export (call
# options go to the call, the inbound node's kwargs).
_NOT_ARGUMENTS = KERAS2_ONLY | PARAMLAB_KEYS | frozenset(CALL_OPTIONS)
#: tf.keras 2 layers that Keras 3 removed, and what to use instead: the exports keep their
#: class names (their counts are the file's), which Keras 3 cannot load.
KERAS2_ONLY_LAYERS = {
    "CuDNNLSTM": "the nearest is LSTM, whose bias is 4·units where cuDNN's is 8·units: "
                 "4·units fewer parameters",
    "CuDNNGRU": "the nearest is GRU with reset_after=True, whose 2·3·units bias is cuDNN's: "
                "the same count",
    "RandomHeight": "no Keras 3 layer stretches the height by a random factor",
    "RandomWidth": "no Keras 3 layer stretches the width by a random factor",
}


#: Layers of the catalogue that Keras 3 defines in a keras.applications module, not in
#: keras.layers: Keras writes them, and finds them again, by that module and their class
#: name as ``registered_name`` (Keras 3.15.1: ConvNeXt's LayerScale and StochasticDepth,
#: Inception-ResNet's CustomScaleLayer).
APPLICATION_LAYERS = {
    "LayerScale": "keras.src.applications.convnext",
    "StochasticDepth": "keras.src.applications.convnext",
    "CustomScaleLayer": "keras.src.applications.inception_resnet_v2",
}


def keras2_only_class(type_name: str, config: dict[str, Any]) -> str | None:
    """The first class of :data:`KERAS2_ONLY_LAYERS` that a layer is or wraps
    (``Bidirectional(CuDNNLSTM)``, an RNN's cells: the :data:`NESTED_KEYS`), or ``None``."""
    if type_name in KERAS2_ONLY_LAYERS:
        return type_name
    stack = [config.get(key) for key in NESTED_KEYS]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            if value.get("class_name") in KERAS2_ONLY_LAYERS:
                return str(value["class_name"])
            inner = value.get("config")
            if isinstance(inner, dict):
                stack.extend(inner.get(key) for key in NESTED_KEYS)
    return None


class KerasGap(NamedTuple):
    """A layer that a Keras export cannot rebuild as Keras 3 would need it."""

    name: str
    type: str
    reason: str


def keras3_gaps(graph: LayerGraph, target: str) -> list[KerasGap]:
    """The layers of ``graph`` that Keras 3 cannot rebuild from the export ``target``
    (``"keras-json"`` or ``"keras-code"``), each with the reason, in topological order:

    * a tf.keras 2 layer Keras 3 removed (:data:`KERAS2_ONLY_LAYERS`): written with its
      class name, which Keras 3 does not have;
    * a layer type the catalogue does not know (a custom class, ``Lambda``): the JSON keeps
      it as the file had it, which Keras rebuilds only with that code available; the code
      export writes a placeholder (``layers.Identity``) marked ``# TODO``.

    Operations the exports leave out (:func:`core.model_outputs.dead_operations`) are none.
    """
    gaps = []
    dead = dead_operations(graph)
    for n in graph.topological_order():
        if n in dead:
            continue
        d = graph.raw(n)
        type_name = d["type"]
        if d.get("shared_with") is not None:
            continue  # a later call: its layer is reported once
        legacy = keras2_only_class(type_name, d["config"])
        if legacy is not None:
            inside = "" if legacy == type_name else f"its wrapped {legacy} is "
            reason = (f"{inside}tf.keras 2 only: Keras 3 has no {legacy} "
                      f"({KERAS2_ONLY_LAYERS[legacy]})")
        elif get_spec(type_name) is None:
            reason = ("written as a placeholder (layers.Identity, marked TODO): ParamLab "
                      "never has a layer's code" if target == "keras-code" else
                      "kept as the file had it: Keras rebuilds it only with its code (a "
                      "registered custom class, or a Lambda's function with safe_mode=False)")
        else:
            continue
        gaps.append(KerasGap(d["name"], type_name, reason))
    return gaps


#: Module of the Keras 3 operations (``keras.ops``) the catalogue lists as "Operations".
OP_MODULE = "keras.src.ops.numpy"


def op_class(type_name: str) -> str:
    """Keras's class name of an operation type: ``ops.Multiply`` -> ``Multiply``."""
    return type_name.removeprefix("ops.")


#: Layers called on a list of tensors (``Add()([a, b])``); others take positional inputs.
LIST_INPUT_TYPES = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                              "Concatenate", "Dot", "Attention", "AdditiveAttention",
                              "HashedCrossing",
                              # inception_resnet_v2: inputs[0] + inputs[1] * scale
                              "CustomScaleLayer"})


def keras_arguments(graph: LayerGraph, node_id: str) -> dict[str, Any]:
    """A layer's constructor arguments in the form Keras accepts (no ``name``/``trainable``).

    Known fields are validated and normalised by the catalogue first (so a GUI-built layer
    gets every default spelled out); a config the catalogue refuses is written as stored.
    """
    d = graph.raw(node_id)
    config = dict(d["config"])
    spec = get_spec(d["type"])
    if spec is not None:
        try:
            config = spec.resolve_config(config)
        except LayerError:
            log.info("exporting %s with its config as stored (it does not validate)", d["name"])
    if d["type"] == "RNN" and config.get("cell") is None:
        config["cell"] = DEFAULT_CELL  # the cell the rules used (a palette-made RNN)
    out = to_keras_config(d["type"], config)
    for key in _NOT_ARGUMENTS:
        out.pop(key, None)
    if spec is not None and all(f.name != "output_shape" for f in spec.fields):
        out.pop("output_shape", None)  # a recorded shape, not an argument (EinsumDense's is)
    for key in NESTED_KEYS:  # Bidirectional, TimeDistributed, RNN's cell ...
        if out.get(key) is not None:
            out[key] = _with_module(out[key])
    return out


def _with_module(value: Any) -> Any:
    """A nested layer or cell (or a list of them), recursively, with the ``module`` Keras 3
    finds a built-in class by (``{"module": "keras.layers", ...}``) where it has none."""
    if isinstance(value, list):
        return [_with_module(v) for v in value]
    if not (isinstance(value, dict) and "class_name" in value):
        return value
    out = dict(value)
    if isinstance(out.get("config"), dict):
        out["config"] = {k: _with_module(v) if k in NESTED_KEYS and v is not None else v
                         for k, v in out["config"].items()}
    if "module" not in out:
        out = {"module": "keras.layers", **out, "registered_name": None}
    return out


def needs_trainable_flag(graph: LayerGraph, node_id: str, result: PropagationResult) -> bool:
    """Whether to write ``trainable=False``: only for a frozen layer that has weights (a
    weightless layer's flag changes no count, and some, like SpatialDropout2D, do not
    accept the argument). A layer of a frozen nested model is frozen (the model is
    written flattened)."""
    r = result.layers.get(node_id)
    d = graph.raw(node_id)
    frozen = not d["trainable"] or graph.is_group_frozen(d.get("group"))
    return frozen and r is not None and bool(r.weights)


def freeze_nested(arguments: dict[str, Any]) -> dict[str, Any]:
    """A frozen wrapper's constructor arguments with its nested layers and cells frozen too
    (``trainable: false`` in their configs, recursively through a StackedRNNCells): Keras
    3's ``trainable=False`` given to a wrapper's constructor (Bidirectional,
    SpectralNormalization, RNN) leaves the layer it wraps trainable, so the flag must be
    on the nested config for Keras to count the weights as ParamLab does."""
    return {k: set_nested_trainable(v, False) if k in NESTED_KEYS else v
            for k, v in arguments.items()}


def input_shape(graph: LayerGraph, node_id: str) -> tuple[int | None, ...]:
    """The ``shape`` of InputLayer ``node_id`` (no batch axis), as ``keras.Input`` takes it.

    Raises:
        LayerError: the shape is not a list of whole numbers and ``None`` (a project file
            that sets it to null or to text): no Keras model can be written without it.
    """
    d = graph.raw(node_id)
    shape = d["config"].get("shape", ())
    if not isinstance(shape, (list, tuple)) or not all(
            v is None or (type(v) is int and v >= 0) for v in shape):
        raise LayerError(f"layer {elide_name(d['name'])!r}: the InputLayer's shape must be a list of "
                         f"whole numbers, got {elide_value(shape)}")
    return tuple(shape)


def call_map(graph: LayerGraph) -> dict[str, tuple[str, int]]:
    """For each node: (id of the layer that owns its weights, call number). A plain layer
    is its own owner at call 0; the ``k``-th extra call of a shared layer is call ``k``."""
    out: dict[str, tuple[str, int]] = {}
    counts: dict[str, int] = {}
    for n in graph.topological_order():
        owner = graph.raw(n).get("shared_with")
        if owner is None or owner not in graph:
            out[n] = (n, 0)
            counts.setdefault(n, 1)
        else:
            k = counts.get(owner, 1)
            counts[owner] = k + 1
            out[n] = (owner, k)
    return out


def to_keras_dict(graph: LayerGraph, result: PropagationResult | None = None) -> dict[str, Any]:
    """The Keras 3 Functional config of ``graph`` as a dict (see the module docstring)."""
    if result is None:
        result = propagate(graph)
    calls = call_map(graph)
    entries: dict[str, dict[str, Any]] = {}
    nodes: dict[str, dict[int, dict[str, Any]]] = {}  # owner -> call number -> inbound node
    order: list[str] = []
    dead = dead_operations(graph, result.layers)
    for n in graph.topological_order():
        if n in dead:
            continue
        owner, k = calls[n]
        d = graph.raw(owner)
        if owner not in entries:
            entries[owner] = _layer_entry(graph, owner, result)
            order.append(owner)
        if d["type"] == "InputLayer":
            continue
        args: list[Any] = []
        for src, index in graph.inputs(n):
            args.append(_tensor(graph, src, calls, result, graph.output_index(src, n, index)))
        constant = graph.raw(n)["config"].get("constant")
        if is_op(d["type"]) or (len(args) == 1 and constant is not None):
            if len(args) == 1 and constant is not None:
                args.append(constant)
        elif d["type"] in LIST_INPUT_TYPES:
            args = [args]
        # this call's own options (a shared ReversibleEmbedding's second call: reverse)
        options = {key: True for key in CALL_OPTIONS if graph.raw(n)["config"].get(key) is True}
        nodes.setdefault(owner, {})[k] = {"args": args, "kwargs": options}
    for owner, by_call in nodes.items():
        entries[owner]["inbound_nodes"] = [by_call[k] for k in sorted(by_call)]
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": graph.name,
            "trainable": True,
            "layers": [entries[n] for n in order],
            "input_layers": [[graph.raw(n)["name"], 0, 0] for n in model_inputs(graph)],
            "output_layers": [[graph.raw(calls[n][0])["name"], calls[n][1], k]
                              for n, k in model_outputs(graph, result.layers)],
        },
        "registered_name": "Functional",
    }


def to_keras_json(graph: LayerGraph, result: PropagationResult | None = None,
                  indent: int | None = None) -> str:
    """The Keras 3 Functional config of ``graph`` as JSON text, for
    ``keras.models.model_from_json``."""
    return json.dumps(to_keras_dict(graph, result), indent=indent)


def _layer_entry(graph: LayerGraph, node_id: str, result: PropagationResult) -> dict[str, Any]:
    d = graph.raw(node_id)
    name = d["name"]
    if d["type"] == "InputLayer":
        shape = input_shape(graph, node_id)
        dtype = d["config"].get("dtype")
        config = {"batch_shape": [None, *shape], "dtype": dtype if isinstance(dtype, str)
                  else "float32", "sparse": False, "ragged": False, "name": name}
        return {"module": "keras.layers", "class_name": "InputLayer", "config": config,
                "registered_name": None, "name": name, "inbound_nodes": []}
    if is_op(d["type"]) or _has_constant(graph, node_id):
        cls = op_class(d["type"])
        config = {k: v for k, v in d["config"].items() if k not in ("constant", "output_shape")}
        return {"module": OP_MODULE, "class_name": cls, "config": {"name": name, **config},
                "registered_name": cls, "name": name, "inbound_nodes": []}
    config: dict[str, Any] = {"name": name}
    arguments = keras_arguments(graph, node_id)
    if needs_trainable_flag(graph, node_id, result):
        config["trainable"] = False
        arguments = freeze_nested(arguments)
    config.update(arguments)
    module = APPLICATION_LAYERS.get(d["type"])
    return {"module": module or "keras.layers", "class_name": d["type"], "config": config,
            "registered_name": d["type"] if module else None, "name": name,
            "inbound_nodes": []}


def _has_constant(graph: LayerGraph, node_id: str) -> bool:
    # ``x + 1`` or ``x * 2.0``: an Add / Multiply operation with one tensor and a constant.
    return (graph.raw(node_id)["config"].get("constant") is not None
            and len(graph.inputs(node_id)) == 1)


def _tensor(graph: LayerGraph, src: str, calls: dict[str, tuple[str, int]],
            result: PropagationResult, output: int = 0) -> dict[str, Any]:
    owner, k = calls[src]
    r = result.layers.get(src)
    shape = list(r.output_shape) if r is not None and r.output_shape is not None else None
    if r is not None and r.output_shapes is not None and output < len(r.output_shapes):
        shape = list(r.output_shapes[output])
    dtype = "bool" if graph.raw(src)["type"] == "NotEqual" else "float32"
    if graph.raw(src)["type"] == "InputLayer" and isinstance(graph.raw(src)["config"].get("dtype"), str):
        dtype = graph.raw(src)["config"]["dtype"]
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": dtype,
                       "keras_history": [graph.raw(owner)["name"], k, output]}}
