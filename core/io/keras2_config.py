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
    DATA_KWARGS,
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
