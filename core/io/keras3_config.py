"""Keras 3 inbound nodes: ``{"args": [...], "kwargs": {...}}`` with ``__keras_tensor__`` records.

A tensor argument is ``{"class_name": "__keras_tensor__", "config": {"shape": [...],
"dtype": ..., "keras_history": [layer, node_index, tensor_index]}}``
(``keras/src/models/functional.py``, ``serialize_node``). Merge layers take a list as their
first argument; operations such as ``x != 0`` mix tensors and constants; RNNs get the
Embedding mask as ``kwargs["mask"]``, which is not a data input.
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

KERAS_TENSOR = "__keras_tensor__"

#: Arguments nested deeper than this are refused (Keras writes at most a list of tensors
#: or a dict of them).
MAX_ARG_DEPTH = 16


def is_keras_tensor(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == KERAS_TENSOR


def tensor_ref(value: dict[str, Any], where: str, path: str | Path) -> TensorRef:
    """The :class:`TensorRef` of one ``__keras_tensor__`` record.

    Raises:
        ModelFileError: its ``config`` or ``keras_history`` is malformed.
    """
    cfg = value.get("config")
    if not isinstance(cfg, dict):
        raise ModelFileError(path, f"{where}: a __keras_tensor__ needs a config object")
    layer, node, tensor = history(cfg.get("keras_history"), where, path)
    shape = cfg.get("shape")
    # Checked where it is used (only an opaque layer's output shape is taken from here).
    return TensorRef(layer, node, tensor, shape if isinstance(shape, list) else None)


def parse_call(node: dict[str, Any], where: str, path: str | Path) -> Call:
    """Parse one Keras 3 inbound node into a :class:`Call`.

    Tensors among ``args`` (lists and dicts flattened, in order) are the data inputs, then
    tensors of the data keyword arguments (:data:`DATA_KWARGS`); scalars among ``args``
    are kept as constants; other keyword tensors (``mask``) are dropped.

    Raises:
        ModelFileError: ``args`` is not a list, ``kwargs`` not an object, a tensor record
            is malformed, or arguments are nested absurdly deep.
    """
    args = node.get("args", [])
    kwargs = node.get("kwargs", {})
    if not isinstance(args, list):
        raise ModelFileError(path, f"{where}: args must be a list, got {type(args).__name__}")
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, dict):
        raise ModelFileError(path, f"{where}: kwargs must be an object, got "
                                   f"{type(kwargs).__name__}")
    call = new_call()
    if all(is_keras_tensor(a) for a in args):  # the common case: f(x) or f(x, y)
        call.inputs.extend(tensor_ref(a, where, path) for a in args)
    else:
        _collect(args, call, where, path, keep_constants=True)
    for key in DATA_KWARGS:
        if key in kwargs:
            _collect([kwargs[key]], call, where, path, keep_constants=False)
    call_options(kwargs, call)
    return call


def plain_call(node: dict[str, Any]) -> Call | None:
    """:func:`parse_call` for the common node ``{"args": [tensor, ...], "kwargs": {...}}``
    (or ``{"args": [[tensor, ...]], ...}``, a merge layer's) whose arguments are all
    well-formed tensors and whose keyword arguments carry no data input; ``None`` for anything else (then call :func:`parse_call`, which gives the same
    result or the error). Only the importer's speed needs this."""
    args = node.get("args", _NO_ARGS)
    kwargs = node.get("kwargs")
    if type(args) is not list or not (kwargs is None or type(kwargs) is dict):
        return None
    if kwargs and not _NOT_PLAIN.isdisjoint(kwargs):
        return None
    if len(args) == 1 and type(args[0]) is list:
        args = args[0]  # a merge layer's one list of tensors: the same inputs, in order
    inputs = []
    for a in args:
        if type(a) is not dict or a.get("class_name") != KERAS_TENSOR:
            return None
        cfg = a.get("config")
        if type(cfg) is not dict:
            return None
        h = cfg.get("keras_history")
        if type(h) is not list:
            return None
        if len(h) == 3:
            layer, index, tensor = h
        elif len(h) > 3:
            layer, index, tensor = h[0], h[1], h[2]
        else:
            return None
        if (type(layer) is not str or type(index) is not int or type(tensor) is not int
                or index < 0 or tensor < 0):
            return None
        shape = cfg.get("shape")
        inputs.append(_new(TensorRef, (layer, index, tensor,
                                       shape if isinstance(shape, list) else None)))
    return _new(Call, (inputs, [], NO_OPTIONS))


# plain_call's shortcuts: tuple.__new__ skips a named tuple's Python-level __new__.
_new = tuple.__new__
_NO_ARGS: list[Any] = []  # "args" missing: an empty list (only read)
_NOT_PLAIN = frozenset(DATA_KWARGS + CALL_OPTIONS)


def _collect(values: list[Any], call: Call, where: str, path: str | Path,
             keep_constants: bool) -> None:
    # Iterative depth-first walk (no recursion: a hostile file cannot blow the stack).
    stack: list[tuple[Any, int]] = [(v, 1) for v in reversed(values)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_ARG_DEPTH:
            raise ModelFileError(path, f"{where}: arguments nested more than "
                                       f"{MAX_ARG_DEPTH} levels deep")
        if is_keras_tensor(value):
            call.inputs.append(tensor_ref(value, where, path))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in reversed(value))
        elif isinstance(value, dict):  # Keras's tree.flatten: by sorted key
            stack.extend((value[k], depth + 1) for k in sorted(value, reverse=True))
        elif keep_constants and isinstance(value, (int, float, bool, str)) and depth == 1:
            call.constants.append(value)
