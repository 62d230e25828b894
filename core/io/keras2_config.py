"""Keras 2 / tf.keras inbound nodes: ``[[layer_name, node_index, tensor_index, kwargs], ...]``.

One inbound node is a list of entries, one per input tensor, in input order
(``tf_keras/src/engine/functional.py``, ``get_network_config``). An entry's ``kwargs``
holds the call's keyword arguments; MultiHeadAttention's ``value`` / ``key`` arrive there
as ``[layer_name, node_index, tensor_index]`` lists and are data inputs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from paramlab.core.errors import ModelFileError
from paramlab.core.io.keras_calls import (
    CALL_OPTIONS,
    DATA_KWARGS,
    NO_OPTIONS,
    Call,
    TensorRef,
    call_options,
    history,
    new_call,
)


def parse_call(node: list[Any], where: str, path: str | Path) -> Call:
    """Parse one Keras 2 inbound node into a :class:`Call`.

    Raises:
        ModelFileError: an entry is not ``[name, node_index, tensor_index(, kwargs)]``.
    """
    call = new_call()
    extra: list[TensorRef] = []
    for entry in node:
        layer, index, tensor = history(entry, where, path)
        call.inputs.append(TensorRef(layer, index, tensor))
        kwargs = entry[3] if len(entry) > 3 else {}
        if isinstance(kwargs, dict):
            call_options(kwargs, call)
            for key in DATA_KWARGS:
                value = kwargs.get(key)
                if (isinstance(value, list) and len(value) >= 3
                        and isinstance(value[0], str)):
                    ref = history(value, f"{where}, argument {key!r}", path)
                    extra.append(TensorRef(*ref))
        elif kwargs is not None:
            raise ModelFileError(path, f"{where}: call arguments must be an object, got "
                                       f"{type(kwargs).__name__}")
    call.inputs.extend(extra)
    return call


def plain_call(node: list[Any]) -> Call | None:
    """:func:`parse_call` for the common node, whose entries are ``[name, node_index,
    tensor_index]`` or ``[name, node_index, tensor_index, kwargs]`` with ``kwargs`` null or
    an object holding no data input and no call option; ``None`` for anything else (then
    call :func:`parse_call`, which gives the same result or the error). Only the importer's
    speed needs this."""
    inputs = []
    for entry in node:
        if type(entry) is not list:
            return None
        if len(entry) == 4:
            layer, index, tensor, kwargs = entry
            if kwargs is not None and (type(kwargs) is not dict or (
                    kwargs and not _NOT_PLAIN.isdisjoint(kwargs))):
                return None
        elif len(entry) == 3:
            layer, index, tensor = entry
        else:
            return None
        if (type(layer) is not str or type(index) is not int or type(tensor) is not int
                or index < 0 or tensor < 0):
            return None
        inputs.append(_new(TensorRef, (layer, index, tensor, None)))
    return _new(Call, (inputs, [], NO_OPTIONS))


# plain_call's shortcuts: tuple.__new__ skips a named tuple's Python-level __new__.
_new = tuple.__new__
_NOT_PLAIN = frozenset(DATA_KWARGS + CALL_OPTIONS)
