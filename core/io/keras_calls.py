"""The calls of one Keras layer, in a form common to Keras 3 and Keras 2 configs.

A Functional config lists, for each layer, one *inbound node* per call of the layer.
Keras 3 writes a node as ``{"args": [...], "kwargs": {...}}`` holding ``__keras_tensor__``
records (see :mod:`core.io.keras3_config`); Keras 2 / tf.keras as a list of
``[layer_name, node_index, tensor_index, kwargs]`` (see :mod:`core.io.keras2_config`).
Both parse to :class:`Call`: the data inputs in order, each a :class:`TensorRef`.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from paramlab.core.errors import ModelFileError

#: Keyword arguments that carry data inputs (MultiHeadAttention's ``query``, ``value``,
#: ``key``), in input order. Other tensor kwargs (``mask``, ``attention_mask``,
#: ``initial_state``, ``training``) are not data inputs of the graph and are dropped.
DATA_KWARGS = ("inputs", "query", "value", "key")
#: Call arguments that change what a call returns (MultiHeadAttention's second output,
#: ReversibleEmbedding's logits); kept in the layer's config under the same name.
CALL_OPTIONS = ("return_attention_scores", "reverse")


class TensorRef(NamedTuple):
    """One tensor a call consumes: output ``tensor`` of call ``node`` of layer ``layer``.

    A named tuple, not a dataclass: the importer makes one per connection, and a frozen
    dataclass costs several times more to build.

    Attributes:
        layer: The producing layer's name.
        node: Which call of that layer (0 for the first).
        tensor: Which output of that call (0 for single-output layers).
        shape: The tensor's shape as the file recorded it (Keras 3 only), batch axis first:
            the file's own list, never changed (not copied: only an opaque layer's output
            shape is read from it).
    """

    layer: str
    node: int
    tensor: int
    shape: list[Any] | None = None


class Call(NamedTuple):
    """One call of a layer: its data inputs in order, any constant arguments, and the
    :data:`CALL_OPTIONS` it was called with.

    A named tuple, cheap to build (the importer makes one per layer call). The readers
    fill the containers of a :func:`new_call` while parsing its node; nothing changes them
    afterwards. A call without options may share the read-only :data:`NO_OPTIONS`.
    """

    inputs: list[TensorRef]
    constants: list[Any]
    options: Mapping[str, Any]


#: The options of a call made with none (read-only, shared).
NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})


def new_call(inputs: list[TensorRef] | None = None) -> Call:
    """A call with ``inputs`` (a new list when omitted), no constants, no options yet."""
    return Call([] if inputs is None else inputs, [], {})


def call_options(kwargs: dict[str, Any], call: Call) -> None:
    """Copy the :data:`CALL_OPTIONS` of a call's keyword arguments (true / false only)."""
    for key in CALL_OPTIONS:
        if isinstance(kwargs.get(key), bool):
            call.options[key] = kwargs[key]


#: How deeply a model's ``input_layers`` / ``output_layers`` structure may nest.
MAX_IO_DEPTH = 16


def tensor_leaves(value: Any, where: str, path: str | Path) -> list[Any]:
    """The tensor references of a Keras 3 model's ``input_layers`` or ``output_layers`` in
    Keras's flat order (``model.inputs`` / ``model.outputs``): Keras 3 writes the structure
    the model was built with (``Model(x, [[a, b], c])``, a dict of named outputs), and
    ``tree.flatten`` walks lists in order and dicts by sorted key
    (keras/src/models/functional.py, ``get_config``'s ``map_tensors``). A reference is a
    list whose first item is a string (checked by :func:`history`); a list holding no list
    or object is taken as a malformed reference, and anything else that is not a list or an
    object is returned as it is, for :func:`history` to word.

    Raises:
        ModelFileError: the structure nests more than :data:`MAX_IO_DEPTH` levels.
    """
    leaves: list[Any] = []
    stack: list[tuple[Any, int]] = [(value, 0)]  # iterative: a hostile file has no stack
    while stack:
        item, depth = stack.pop()
        if depth > MAX_IO_DEPTH:
            raise ModelFileError(path, f"{where}: nested more than {MAX_IO_DEPTH} levels deep")
        if type(item) is dict:
            children = [item[k] for k in sorted(item)]
        elif type(item) is list and not (item and (type(item[0]) is str or not any(
                type(x) is list or type(x) is dict for x in item))):
            children = item  # a structure; a flat list is a reference, whole in a message
        else:
            leaves.append(item)
            continue
        stack.extend((child, depth + 1) for child in reversed(children))
    return leaves


def history(value: Any, where: str, path: str | Path) -> tuple[str, int, int]:
    """Validate ``[layer_name, node_index, tensor_index]`` (Keras 3 ``keras_history``,
    Keras 2 inbound entry, a model's ``input_layers`` / ``output_layers`` entry).

    Raises:
        ModelFileError: not a list of a name and two whole numbers of 0 or more.
    """
    if type(value) is list and len(value) >= 3:
        name, node, tensor = value[0], value[1], value[2]
        if (type(node) is int and type(tensor) is int and node >= 0 and tensor >= 0
                and isinstance(name, str)):
            return name, node, tensor
    if (isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str)
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                    for v in value[1:3])):
        return value[0], value[1], value[2]
    raise ModelFileError(path, f"{where}: a tensor reference must be [layer name, node "
                               f"index, tensor index], got {_short(value)}")


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
